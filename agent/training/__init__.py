"""Training a confirmed job for real, through each framework's own Python API.

``progress`` holds the trainer contract (what a trainer reports and returns); ``trainers`` with
the per-framework trainers and ``run_folder`` train a job into its folder. Running it:
``local.LocalRunControl`` starts one worker process per run (``worker``), which reports into the
conversation (``reporting``); ``processes`` tells whether a worker lives and ends it with its
children; ``worker_files`` names the worker's own files in the run folder; ``extra`` checks that
the ``train`` extra is installed.
"""
