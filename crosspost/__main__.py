from crosspost.cli import main

main(prog_name="crosspost")
