package io.dualwrite.sample;

import java.util.List;

/** A request the API refuses before touching any data; answered with 400 and the problems. */
public class InvalidRequestException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    private final String hint;

    /** A refusal listing the problems and what to send instead. */
    public InvalidRequestException(List<String> problems, String hint) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
        this.hint = hint;
    }

    /** What was wrong. */
    public List<String> problems() {
        return problems;
    }

    /** What to send instead. */
    public String hint() {
        return hint;
    }
}
