"""`python -m xennet.collect`: the collector without the main `xennet` command line."""

from xennet.collect.command import collect_command

if __name__ == "__main__":
    collect_command(prog_name="xennet collect")
