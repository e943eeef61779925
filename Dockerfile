# syntax=docker/dockerfile:1
#
# One image for every Outcomes service (see deploy/README.md).
# Pick the service at run time with a command:
#   node -r @swc-node/register apps/<service>/src/main.ts      (or `npm run migrate`)
# or bake a default into the image at build time:
#   docker build --build-arg SERVICE=catalog -t outcomes-catalog .

ARG NODE_IMAGE=node:20-slim

# 1. Only the package manifests and the lock file, so the `npm ci` layer below stays cached
#    until a dependency changes, not on every source edit.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN set -eu; \
    mkdir -p /out; \
    cp package.json package-lock.json /out/; \
    if [ -f .npmrc ]; then cp .npmrc /out/; fi; \
    for dir in apps libs bench; do \
      if [ -d "$dir" ]; then \
        find "$dir" -maxdepth 2 -name package.json -not -path '*/node_modules/*' -exec cp --parents {} /out/ \; ; \
      fi; \
    done

# 2. Production dependencies, installed as the lock file says. When `npm ci` refuses the lock file
#    only because it lacks other platforms' optional binaries (e.g. @swc/core-darwin-arm64; see
#    deploy/README.md), the same locked versions are installed with `npm install --no-save`.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV CI=true
COPY --from=manifests /out/ ./
RUN set -eu; \
    if ! npm ci --omit=dev --omit=peer --no-audit --no-fund >/tmp/npm-ci.log 2>&1; then \
      cat /tmp/npm-ci.log; \
      grep -qE '^npm error Missing: ' /tmp/npm-ci.log || exit 1; \
      if grep -E '^npm error (Missing|Invalid): ' /tmp/npm-ci.log \
         | grep -qvE '^npm error Missing: [^ ]*-(darwin|win32|android|freebsd|openbsd|netbsd|sunos|aix|openharmony|linux)-'; then exit 1; fi; \
      npm install --omit=dev --omit=peer --no-save --no-audit --no-fund; \
    fi; \
    npm cache clean --force

# 3. The runtime: dependencies plus sources. TypeScript runs through @swc-node/register.
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    HEALTH_PORT=8080 \
    METRICS_PORT=9464
COPY --from=deps /app/ ./
COPY . .
ARG SERVICE=""
ENV SERVICE=${SERVICE}
USER node
EXPOSE 8080 9464
# tini is PID 1: it forwards SIGTERM to node and reaps zombies. Kubernetes manifests set `args`
# (not `command`) so tini stays in front.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["sh", "-c", "exec node -r @swc-node/register \"apps/${SERVICE:?build with --build-arg SERVICE=<app> or pass a command}/src/main.ts\""]
