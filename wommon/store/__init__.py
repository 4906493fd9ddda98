"""Storage: the tables every stage hands its results over through."""
