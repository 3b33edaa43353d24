package io.dualwrite.sample.demo;

import java.util.Objects;

/**
 * The state of one id: deleted (or never created), or live with a version and a content. As an expectation, a live
 * outcome may leave the version open ({@code null}): the outcome of a write that threw is accepted with whatever
 * version it got.
 *
 * @param live whether a live entity exists
 * @param version its version; {@code null} for a deleted outcome, or for an expected one whose version is unknown
 * @param content its content; {@code null} for a deleted outcome
 */
public record Outcome(boolean live, Long version, CustomerState content) {

    private static final Outcome DELETED = new Outcome(false, null, null);

    public Outcome {
        if (live) {
            Objects.requireNonNull(content, "content");
        }
        else if (version != null || content != null) {
            throw new IllegalArgumentException("a deleted outcome has no version and no content");
        }
    }

    /** Deleted, or never created. */
    public static Outcome deleted() {
        return DELETED;
    }

    /** Live with this content, at this version ({@code null}: any version). */
    public static Outcome live(Long version, CustomerState content) {
        return new Outcome(true, version, content);
    }

    /** Whether an observed outcome (whose version is known) is this expected one. */
    public boolean matches(Outcome observed) {
        if (!live) {
            return !observed.live;
        }
        return observed.live && content.equals(observed.content)
                && (version == null || version.equals(observed.version));
    }

    @Override
    public String toString() {
        if (!live) {
            return "deleted";
        }
        return "version " + (version == null ? "(any)" : version) + " " + content;
    }
}
