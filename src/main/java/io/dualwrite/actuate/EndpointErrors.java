package io.dualwrite.actuate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

import io.dualwrite.MigrationRegistry;

/**
 * The error answers of {@code dualwritejobs} and {@code dualwritecleanup}: JSON with the HTTP status, a
 * {@code message}, the {@code reasons} when there are any, and {@code "changed": false}.
 */
final class EndpointErrors {

    private EndpointErrors() {
    }

    static WebEndpointResponse<Object> error(int status, String message) {
        return error(status, message, List.of());
    }

    static WebEndpointResponse<Object> error(int status, String message, List<String> reasons) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status);
        body.put("message", message);
        if (!reasons.isEmpty()) {
            body.put("reasons", reasons);
        }
        body.put("changed", false);
        return new WebEndpointResponse<>(body, status);
    }

    /** The answer to a request for a migration that is not declared: the message names the declared ones. */
    static WebEndpointResponse<Object> unknownMigration(int status, MigrationRegistry registry, String migration) {
        String message;
        try {
            registry.require(migration);
            message = "No migration '" + migration + "'";
        }
        catch (IllegalArgumentException ex) {
            message = ex.getMessage();
        }
        return error(status, message);
    }
}
