package io.dualwrite.sample;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/** Turns the API's refusals into JSON {@link ApiError}s that say what was wrong and what to send. */
@RestControllerAdvice(assignableTypes = { CustomerController.class, MigrationController.class })
public class ApiExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

    /** A request that failed validation. */
    @ExceptionHandler(InvalidRequestException.class)
    ResponseEntity<ApiError> invalid(InvalidRequestException ex) {
        return error(HttpStatus.BAD_REQUEST, ex.problems(), ex.hint());
    }

    /** A body that is not JSON, or not a customer. */
    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<ApiError> unreadable(HttpMessageNotReadableException ex) {
        Throwable cause = ex.getMostSpecificCause();
        String detail = cause.getMessage() == null ? cause.getClass().getSimpleName()
                : cause.getMessage().lines().findFirst().orElse("");
        return error(HttpStatus.BAD_REQUEST, List.of("the request body is not a valid customer JSON object: " + detail),
                "send JSON " + CustomerRequest.EXAMPLE + " (with \"version\" on PUT) and Content-Type: application/json");
    }

    /** A query parameter of the wrong type, such as {@code page=abc}. */
    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<ApiError> typeMismatch(MethodArgumentTypeMismatchException ex) {
        String expected = ex.getRequiredType() == null ? "another type" : ex.getRequiredType().getSimpleName();
        return error(HttpStatus.BAD_REQUEST, List.of("parameter '" + ex.getName() + "' is '" + ex.getValue()
                + "', not " + (expected.equals("int") ? "a whole number" : "a " + expected)),
                "send GET /api/customers?page=0&size=20&sort=createdAt,desc");
    }

    /** A required query parameter is missing. */
    @ExceptionHandler(MissingServletRequestParameterException.class)
    ResponseEntity<ApiError> missingParameter(MissingServletRequestParameterException ex) {
        return error(HttpStatus.BAD_REQUEST, List.of("parameter '" + ex.getParameterName() + "' is required"),
                "send GET /api/customers/by-email?email=ada@example.com");
    }

    /** A body sent with another content type than JSON. */
    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<ApiError> mediaType(HttpMediaTypeNotSupportedException ex) {
        return error(HttpStatus.UNSUPPORTED_MEDIA_TYPE, List.of("content type " + ex.getContentType()
                + " is not supported"), "send the body as JSON with Content-Type: application/json");
    }

    /** The customer changed (or was deleted) since the client read it. */
    @ExceptionHandler(OptimisticLockingFailureException.class)
    ResponseEntity<ApiError> stale(OptimisticLockingFailureException ex) {
        log.debug("Refused a stale write: {}", ex.getMessage());
        return error(HttpStatus.CONFLICT, List.of("the customer was changed by someone else since you read it; "
                + "your change was not saved"),
                "reload it with GET /api/customers/{id}, apply your change to what you get, and send it again with "
                        + "the new version");
    }

    /** The email address belongs to another customer. */
    @ExceptionHandler(CustomerController.EmailTakenException.class)
    ResponseEntity<ApiError> emailTaken(CustomerController.EmailTakenException ex) {
        return error(HttpStatus.CONFLICT, List.of("email " + ex.email + " is already used by customer " + ex.ownerId),
                "use another email address, or update customer " + ex.ownerId);
    }

    private static ResponseEntity<ApiError> error(HttpStatus status, List<String> problems, String hint) {
        return ResponseEntity.status(status)
                .body(new ApiError(status.value(), status.getReasonPhrase(), problems, hint));
    }
}
