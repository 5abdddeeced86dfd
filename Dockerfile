# The pipeline image: processors + query API (`slo-pipeline run`), migrations applied on start.
# Build:  docker build -t slo-pipeline .
# Node 24 (LTS), the same major as the `node` devDependency that npm scripts and CI run on.
ARG NODE_VERSION=24.21.0
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Exactly the lock. --ignore-scripts also leaves out the `node` devDependency's binary: the image's Node runs the
# build (tsc called through it, not through node_modules/.bin, where `node` would be that package).
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY processors ./processors
COPY sinks ./sinks
COPY query-api ./query-api
COPY dashboards ./dashboards
COPY cli ./cli
COPY bench ./bench
COPY scripts ./scripts
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json

FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts skips `prepare` (the build, done above). chdb's engine comes as a
# platform package (an optional dependency), so the embedded mode works in the image too.
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY dwh ./dwh
COPY schemas ./schemas
COPY slos ./slos
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=6 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/livez').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "--max-semi-space-size=2", "--heap-growing-percent=50", "dist/cli/main.js"]
CMD ["run"]
