# syntax=docker/dockerfile:1
# One image recipe for every Node process in the workspace:
#   docker build --build-arg SERVICE=booking -t matchday/booking .
# SERVICE is the package name without the @matchday/ scope (booking, gateway, web, provider-sandbox, …).
# The package's `build` script must emit dist/main.js (a tsup bundle).

ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-slim AS base
ENV PNPM_HOME=/pnpm \
    PATH=/pnpm:$PATH \
    COREPACK_ENABLE_DOWNLOAD_PROMPT=0
# corepack installs the pnpm version pinned by the root package.json's packageManager field.
RUN corepack enable
WORKDIR /repo

FROM base AS build
ARG SERVICE
RUN test -n "$SERVICE" || (echo "build with --build-arg SERVICE=<package name without @matchday/>" >&2; exit 1)
# The lockfile alone decides what is downloaded, so this layer is reused until it changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./
COPY patches ./patches
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm fetch --frozen-lockfile
COPY . .
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm install --frozen-lockfile --offline
RUN pnpm --filter "@matchday/${SERVICE}" build
# A self-contained copy of the package with production dependencies only (workspace packages
# included as files). --legacy: the workspace does not inject workspace packages.
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm --filter "@matchday/${SERVICE}" deploy --prod --legacy /out \
 && test -f /out/dist/main.js

FROM node:${NODE_VERSION}-slim AS runtime
ARG SERVICE
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    OTEL_SERVICE_NAME=${SERVICE}
LABEL org.opencontainers.image.title="matchday-${SERVICE}"
WORKDIR /app
COPY --from=build --chown=root:root /out /app
# The image's `node` user, numeric so Kubernetes can verify runAsNonRoot.
USER 1000:1000
# Node is PID 1 and handles SIGTERM itself (graceful shutdown drains HTTP and consumers).
CMD ["node", "--enable-source-maps", "dist/main.js"]
