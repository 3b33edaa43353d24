package io.dualwrite.actuate;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /dualwrite/csrf}: the CSRF token of the caller's session, so that scripts can {@code POST} to dualwrite's
 * protected endpoints (the {@code dualwritejobs} endpoint, the console) with CSRF protection left on. Behind the admin
 * login like every {@code /dualwrite/**} path. A script keeps the session cookie and sends the token back in the named
 * header:
 *
 * <pre>
 * curl -s -c jar -b jar -u admin:$PASSWORD localhost:8080/dualwrite/csrf
 * # {"token":"...","headerName":"X-CSRF-TOKEN","parameterName":"_csrf"}
 * curl -s -c jar -b jar -u admin:$PASSWORD -H "X-CSRF-TOKEN: $TOKEN" -H 'Content-Type: application/json' \
 *      -d '{"action":"pause"}' localhost:8080/actuator/dualwritejobs/customers-v2
 * </pre>
 */
@RestController
public class CsrfTokenController {

    /** The path. */
    public static final String PATH = "/dualwrite/csrf";

    /** The token, the header to send it in and the form parameter name; 404 when CSRF protection is off. */
    @GetMapping(path = PATH, produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<Map<String, Object>> csrf(CsrfToken token) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (token == null) {
            body.put("message", "CSRF protection is off for this path: POST without a token");
            return ResponseEntity.status(HttpStatus.NOT_FOUND).body(body);
        }
        body.put("token", token.getToken());
        body.put("headerName", token.getHeaderName());
        body.put("parameterName", token.getParameterName());
        return ResponseEntity.ok(body);
    }
}
