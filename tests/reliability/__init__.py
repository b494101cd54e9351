"""Reliability suite (issue 5): crash, race, break the database and the model, feed garbage."""
