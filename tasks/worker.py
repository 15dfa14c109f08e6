"""The worker's entry module: one Flask app, its Celery app, every task registered."""

from fic import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
celery_app.loader.import_default_modules()
