package io.dualwrite.sample;

import java.util.List;

/**
 * The body of every error the API answers.
 *
 * @param status the HTTP status code
 * @param error the HTTP reason phrase
 * @param problems what was wrong, one entry per problem
 * @param hint what to do or send instead
 */
public record ApiError(int status, String error, List<String> problems, String hint) {
}
