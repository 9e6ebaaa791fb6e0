"""The ``wayra`` command: the user's entry point and the platform's composition root."""
