# syntax=docker/dockerfile:1
# roughcut image for the API, CPU workers and (with the NVIDIA runtime) the GPU worker: build stage compiles, runtime stage runs as a non-root user.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Some npm releases write lock files without other platforms' optional packages and then refuse
# them in `npm ci` (see scripts/setup.sh); `npm install` installs the same locked versions then.
RUN npm ci --no-audit --no-fund --loglevel=error \
 || (echo "npm ci refused the lock file; falling back to npm install" >&2 && npm install --no-audit --no-fund --loglevel=error)
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY workers ./workers
RUN npm run build && npm prune --omit=dev --no-audit --no-fund
# The GPU worker image adds the CUDA TensorFlow.js backend here
# (--build-arg EXTRA_NPM_PACKAGES=@tensorflow/tfjs-node-gpu); the CPU image stays without it.
ARG EXTRA_NPM_PACKAGES=""
RUN if [ -n "${EXTRA_NPM_PACKAGES}" ]; then npm install --no-save --no-audit --no-fund ${EXTRA_NPM_PACKAGES}; fi

FROM ${NODE_IMAGE} AS runtime
# ffmpeg for probe/decode/keyframes; tini reaps ffmpeg children and forwards SIGTERM so workers
# shut down gracefully (finish or hand back their job) when compose stops them.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
# Fewer glibc malloc arenas: sharp/libvips threads otherwise keep memory after image work
# (a 4-sheet contact-sheet render peaked at 209 MB with the default, 155 MB with 2; bin/roughcut.js
# sets the same outside the image, src/cli/commands.ts MALLOC_ENVIRONMENT).
ENV MALLOC_ARENA_MAX=2
# A fixed mmap threshold: large blocks (sheet canvases, keyframe pictures) go back to the system
# when freed instead of staying in a thread's heap (bin/roughcut.js sets the same for itself
# outside the image, by running itself again).
ENV MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
# A fixed uid/gid so files written to the shared media volume have the same owner on every host.
ARG ROUGHCUT_UID=10001
ARG ROUGHCUT_GID=10001
RUN groupadd --system --gid "${ROUGHCUT_GID}" roughcut \
 && useradd --system --uid "${ROUGHCUT_UID}" --gid roughcut --home-dir /app --shell /usr/sbin/nologin roughcut \
 && mkdir -p /media/roughcut && chown roughcut:roughcut /media/roughcut
USER roughcut
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/roughcut.js"]
CMD ["--help"]
