"""Celery tasks: thin adapters from an id in a message to one service call.

Run a worker with `celery -A tasks.worker worker`; beat with `celery -A tasks.worker beat`.
"""
