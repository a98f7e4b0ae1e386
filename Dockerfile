# labportal: one image for the web server (gunicorn), the Celery workers and beat.
# docker-compose.yml starts each with its own command; static files are collected at build
# time and served by whitenoise, so the image needs nothing from the internet at run time.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=labportal.settings \
    LABPORTAL_VAR_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media

RUN groupadd --system --gid 1000 labportal \
 && useradd --system --uid 1000 --gid labportal --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin labportal

# Dependencies first (their own layer, rebuilt only when pyproject.toml or constraints.txt
# change). pyproject.toml declares no packages, so this installs the dependencies only.
COPY pyproject.toml constraints.txt /tmp/build/
RUN pip install -c /tmp/build/constraints.txt /tmp/build && rm -rf /tmp/build

WORKDIR /app
COPY --chown=labportal:labportal . /app
# /data/media is created here, owned by the app user, so that a fresh named volume mounted on
# it takes that ownership.
RUN mkdir -p /app/var /app/staticfiles /data/media \
 && chown -R labportal:labportal /app/var /app/staticfiles /data

USER labportal
RUN DEBUG=0 SECRET_KEY=build-only python manage.py collectstatic --noinput

EXPOSE 8000
# No HEALTHCHECK here: the workers and beat use this image too and serve no HTTP.
# docker-compose.yml gives the web service its healthcheck.
CMD ["gunicorn", "labportal.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
