"""The processes of the monthly schedule, one class per step (see :mod:`sanctionsim.model.schedule`)."""
