# mlem-registry as a container: the action image for `uses: docker://` steps (the last stage;
# action.yml itself is a composite action that runs the release binary and does not build this
# file) and a non-root image for use anywhere else (`--target standalone`). See
# docs/github-action.md.

# Build: the same locked release build CI runs. The slim Rust image already has gcc and
# libc6-dev, which ring (the TLS library's crypto) and tree-sitter need to compile their C code.
FROM rust:1.95-slim-bookworm AS builder
WORKDIR /build

# Dependencies first, in a layer of their own that is rebuilt only when Cargo.toml or Cargo.lock
# change: stubs stand in for the crate's own sources (the manifest names benches/remote.rs).
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src benches \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && cp src/main.rs benches/remote.rs \
    && cargo build --release --locked --bin mlem-registry \
    && rm -rf src benches

# The crate itself. COPY keeps the files' own times, which can be older than the stubs': touch
# them so cargo rebuilds the crate instead of keeping the stub binary.
COPY . .
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked --bin mlem-registry \
    && install -D -m 0755 target/release/mlem-registry /out/mlem-registry

# Standalone: distroless with glibc and CA certificates (for HTTPS to the GitHub API); no shell,
# no git binary (the tool reads git with gix). Runs as the unprivileged `nonroot` user (65532).
#   docker run --rm -v "$PWD:/github/workspace:ro" IMAGE check
FROM gcr.io/distroless/cc-debian12:nonroot AS standalone
COPY --from=builder /out/mlem-registry /usr/local/bin/mlem-registry
USER 65532:65532
WORKDIR /github/workspace
ENTRYPOINT ["/usr/local/bin/mlem-registry"]
CMD ["check"]

# The action image (default target), for `uses: docker://ghcr.io/OWNER/mlem-registry:vX` steps.
# GitHub runs Docker actions as the image's default user and documents that it must be root: the
# files behind $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY (/github/file_commands) belong to the
# runner's user and are not writable by any other uid.
# The binary only reads the workspace and writes those files; it gains nothing else from root.
# CMD lets `uses: docker://IMAGE` run the action without `with: args`, which would also set
# INPUT_ARGS (the runner exports every `with:` key as an input).
FROM standalone AS action
# hadolint ignore=DL3002
USER 0:0
CMD ["action"]
