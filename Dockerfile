# syntax=docker/dockerfile:1
# Harmony: build stage (Rust, the C compiler SQLite needs) and a slim
# runtime stage (the binary, CA certificates, an unprivileged user).
# Build: docker build -t harmony .   Run: see docker-compose.yml and docs/deployment.md.

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
# Caches keep the registry and the target directory between builds; the
# binary is copied out because a cache mount is not part of the image.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin harmony \
    && install -m 0755 target/release/harmony /usr/local/bin/harmony

FROM debian:bookworm-slim AS runtime
# ca-certificates: Spotify, LRCLIB, MusicBrainz and notification targets are
# reached over TLS (rustls with the system roots). Versions follow the
# bookworm point release; pinning them would break every rebuild.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 harmony \
    && useradd --system --uid 10001 --gid harmony --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin harmony \
    && mkdir -p /data /music /downloads \
    && chown harmony:harmony /data /music /downloads
COPY --from=build /usr/local/bin/harmony /usr/local/bin/harmony
# The commented list of every key, for reference (not read: it is not in the
# working directory, so `harmony config check` names the defaults "default").
COPY config/default.toml /usr/share/doc/harmony/default.toml

# Listening on every interface is refused unless HARMONY_API_KEYS is set or
# HARMONY_AUTH_DISABLED=1 says the network is trusted: the container fails
# closed, with one line saying so.
ENV HARMONY_BIND=0.0.0.0:8080 \
    HARMONY_DATA_DIR=/data \
    MUSIC_DIR=/music \
    SLSKD_DOWNLOADS_DIR=/downloads

USER 10001:10001
WORKDIR /data
VOLUME ["/data", "/music", "/downloads"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["harmony", "healthcheck", "--timeout", "3"]
# SIGTERM (docker stop) drains running work within SHUTDOWN_GRACE_SEC (10 s by
# default, docker's own stop timeout is 10 s too: raise both together).
STOPSIGNAL SIGTERM
ENTRYPOINT ["harmony"]
CMD ["run"]
