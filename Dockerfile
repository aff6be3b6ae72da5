# sxsdoctor in a container: Debian 12 slim, the runtime libraries only, a non-root user.
#   docker build -t sxsdoctor .
#   docker run --rm --network none -v /cases/disk.E01:/evidence/disk.E01:ro sxsdoctor \
#       --json /evidence/disk.E01
# The evidence is mounted read-only (:ro); sxsdoctor never writes to it anyway. The root
# filesystem can be read-only too (--read-only): nothing is written outside stdout/stderr.
# A block device needs --device /dev/sdc:/dev/sdc:r and read access for uid 10001 (e.g.
# --group-add "$(stat -c %g /dev/sdc)").

# ---- build: compilers and -dev packages, thrown away ----
FROM debian:12-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config \
      libtsk-dev libewf-dev libvhdi-dev libvmdk-dev libregf-dev libbfio-dev libbde-dev \
      libvshadow-dev libevtx-dev libesedb-dev libhivex-dev libpcre2-dev libyaml-dev libmspack-dev \
      libssl-dev libxml2-dev zlib1g-dev ntfs-3g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DSXS_BUILD_TESTS=OFF \
          -DCMAKE_INSTALL_PREFIX=/usr \
 && cmake --build /build -j"$(nproc)" --target sxsdoctor \
 && DESTDIR=/out cmake --install /build --strip

# ---- runtime: the shared libraries the binary links, the .deb's Depends (the ctest
# deb_package checks that the two lists agree; libregf, libevtx, libesedb, libbde, libvshadow,
# libvhdi, libvmdk and their libbfio are linked in statically, see sxs_libyal_island in
# CMakeLists.txt; libtsk19 still pulls in the shared libvhdi1 and libvmdk1 for itself) ----
FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libtsk19 libewf2 libpcre2-8-0 libyaml-0-2 libmspack0 libssl3 \
      libxml2 zlib1g \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin sxsdoctor \
 && mkdir /evidence
COPY --from=build /out/usr/ /usr/
USER 10001:10001
WORKDIR /evidence
ENTRYPOINT ["sxsdoctor"]
CMD ["--help"]
