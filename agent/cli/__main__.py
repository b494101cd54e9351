"""``python -m agent.cli`` runs the same command line as ``trainchat``."""

from agent.cli import main

main()
