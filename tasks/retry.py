"""Retry policy shared by the delivery tasks: exponential backoff, capped."""

from celery import Task


def retry_later(task: Task, error: Exception) -> None:
    """Ask Celery to run `task` again later; embedded (in-process) runs do not wait."""
    if task.request.is_eager:
        return
    countdown = min(600, 5 * 2**task.request.retries)
    raise task.retry(exc=error, countdown=countdown)
