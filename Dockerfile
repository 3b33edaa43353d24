# syntax=docker/dockerfile:1
# Multi-stage build of the sample customers service (io.dualwrite.sample.CustomersApplication).
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
# the whole project (pom, wrapper, src, toggles/ ...) minus what .dockerignore leaves out
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    chmod +x mvnw && ./mvnw -B -DskipTests package && cp target/dualwrite-*-exec.jar /app.jar

FROM eclipse-temurin:17-jre
# wget for the compose health check (the JRE image ships neither curl nor wget)
RUN apt-get update && apt-get install -y --no-install-recommends wget && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 customers
USER customers
WORKDIR /app
COPY --from=build /app.jar app.jar
# the reviewed-in-Git initial toggle states, found as file:./toggles/<environment>.properties
COPY --from=build /src/toggles toggles
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/app/app.jar"]
