"""Training a confirmed job for real, through each framework's own Python API.

``progress`` holds the trainer contract (what a trainer reports and returns); the per-framework
trainers, the run folder and the worker process live in their own modules.
"""
