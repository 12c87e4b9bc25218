# Postern: build the single binary, then run it as a non-root user from a small image.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npx bun run build

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libcap2-bin tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10025 --home-dir /var/lib/postern --shell /usr/sbin/nologin postern \
 && install -d -o postern -g postern -m 0750 /var/lib/postern
COPY --from=build /src/dist/postern /usr/local/bin/postern
# Mail ports are below 1024: allow binding them without root.
RUN setcap 'cap_net_bind_service=+ep' /usr/local/bin/postern
USER postern
WORKDIR /var/lib/postern
ENV POSTERN_DATA_DIR=/var/lib/postern
VOLUME ["/var/lib/postern"]
EXPOSE 25 465 587 143 993 110 995 4190 443 8080
HEALTHCHECK --interval=30s --timeout=5s CMD ["/usr/local/bin/postern", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/postern"]
CMD ["serve"]
