# syntax=docker/dockerfile:1
# ImageGate: build with the Maven wrapper, run on a JRE beside a pinned trivy from the official image and a
# pinned crane (tags' digests) and cosign (signature rules) built from their Go modules.

FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml ./
RUN ./mvnw -B -ntp dependency:go-offline
COPY src src
RUN ./mvnw -B -ntp package -DskipTests

# Keep this tag in step with the Trivy server in deploy/ (client and server must match).
FROM aquasec/trivy:0.74.0 AS trivy

FROM golang:1.26 AS crane
RUN CGO_ENABLED=0 go install github.com/google/go-containerregistry/cmd/crane@v0.22.1 \
    && CGO_ENABLED=0 go install github.com/sigstore/cosign/v2/cmd/cosign@v2.6.4

FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 imagegate \
    && useradd --system --uid 10001 --gid imagegate --home-dir /home/imagegate --create-home imagegate
COPY --from=trivy /usr/local/bin/trivy /usr/local/bin/trivy
COPY --from=crane /go/bin/crane /usr/local/bin/crane
COPY --from=crane /go/bin/cosign /usr/local/bin/cosign
WORKDIR /app
COPY --from=build /src/target/imagegate.jar /tmp/imagegate.jar
COPY routes routes
COPY config config
# Class data sharing halves start-up (see BENCHMARKS.md): extract the jar, then record the classes a start loads.
RUN java -Djarmode=tools -jar /tmp/imagegate.jar extract --destination /app/application \
    && rm /tmp/imagegate.jar \
    && java -XX:ArchiveClassesAtExit=/app/application/imagegate.jsa -Dspring.context.exit=onRefresh \
         -jar /app/application/imagegate.jar

# trivy's DB and Java's temp files live here; mount a writable volume (emptyDir) to run with a read-only root.
ENV HOME=/home/imagegate \
    TRIVY_CACHE_DIR=/home/imagegate/.cache/trivy \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -Djava.io.tmpdir=/tmp"
VOLUME ["/app/routes", "/app/config", "/home/imagegate", "/tmp"]
USER 10001:10001
# Reviews on 8080 (8443 over HTTPS with --spring.profiles.active=tls), the admission webhooks also on 9443,
# health and metrics on 8081.
EXPOSE 8080 8443 9443 8081
ENTRYPOINT ["java", "-XX:SharedArchiveFile=/app/application/imagegate.jsa", "-jar", "/app/application/imagegate.jar"]
