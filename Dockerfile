# zroster's container image: the three commands of a release on Debian slim, with the CA
# certificates zroster checks Zendesk's certificate against (it trusts the system's store,
# and the slim image has none), a shell (so that the image serves as a CI job's image, such
# as GitLab's `image:`), and an unprivileged user.
#
# The build context holds the release's binaries as `bin/<os>-<arch>/{zroster,zplan,zapply}`
# (static musl builds: `.github/workflows/publish-image.yml` unpacks them from the release's
# archives after checking their SHA-256, then builds for linux/amd64 and linux/arm64).
# `.ci/tools/check-image` builds it from this checkout and runs the main job in it.
#
# Nothing runs on the target platform: the certificates come from a stage of the build
# platform, so a multi-platform build needs no emulation.

ARG BASE=debian:bookworm-slim

FROM --platform=$BUILDPLATFORM ${BASE} AS certificates
# The newest certificates, not a pinned version: a pin would fail once the mirror drops it.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install --yes --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*

FROM ${BASE}
COPY --from=certificates /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ARG TARGETOS
ARG TARGETARCH
COPY bin/${TARGETOS}-${TARGETARCH}/zroster bin/${TARGETOS}-${TARGETARCH}/zplan bin/${TARGETOS}-${TARGETARCH}/zapply /usr/local/bin/
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    HOME=/tmp
# No account of its own, and no rights beyond its working directory's: the commands read
# a roster and credentials from the environment and write plans, journals and reports where
# they are told (a mounted directory).
USER 65532:65532
WORKDIR /work
CMD ["zplan", "--help"]
