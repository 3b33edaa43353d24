package io.dualwrite.sample;

import java.nio.charset.StandardCharsets;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A tiny HTTP client for the sample's tests: raw status, headers and JSON, never throwing on an error status. */
final class Api {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final RestClient client;

    Api(int port) {
        this.client = RestClient.builder().baseUrl("http://localhost:" + port).build();
    }

    /** The reply to a request. */
    record Reply(int status, HttpHeaders headers, String text) {

        JsonNode json() {
            return text.isEmpty() ? JSON.missingNode() : JSON.readTree(text);
        }
    }

    Reply get(String path) {
        return call(HttpMethod.GET, path, null);
    }

    Reply delete(String path) {
        return call(HttpMethod.DELETE, path, null);
    }

    Reply post(String path, String json) {
        return call(HttpMethod.POST, path, json);
    }

    Reply put(String path, String json) {
        return call(HttpMethod.PUT, path, json);
    }

    Reply call(HttpMethod method, String path, String json) {
        return call(method, path, json, MediaType.APPLICATION_JSON);
    }

    Reply call(HttpMethod method, String path, String body, MediaType contentType) {
        RestClient.RequestBodySpec request = client.method(method).uri(path);
        if (body != null) {
            request.contentType(contentType).body(body);
        }
        return request.exchange((req, response) -> new Reply(response.getStatusCode().value(),
                response.getHeaders(), new String(response.getBody().readAllBytes(), StandardCharsets.UTF_8)), true);
    }
}
