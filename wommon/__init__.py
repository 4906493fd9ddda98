"""wommon: word-of-mouth monitoring for customer-service and communications teams."""

__version__ = "0.1.0"
