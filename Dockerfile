# Image for the `api` and `seed` services of docker-compose.yml.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY api ./api
COPY schema ./schema
COPY seed ./seed
RUN pip install --no-cache-dir . && useradd --system --no-create-home ecei
USER ecei
ENV ECEI_HOST=0.0.0.0 ECEI_PORT=8000
EXPOSE 8000
CMD ["ecei", "serve"]
