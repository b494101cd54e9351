"""The conversation's steps, one module each (``select_model``, ``dataset``, ``hyperparameters``,
``confirm``, ``done``: what the step asks, accepts and where it goes next), the reply they write
(``reply``), and the rules a turn applies (``rules``, ``merge``, ``relative``, ``questions``,
``training``)."""
