from wommon.cli import main

main()
