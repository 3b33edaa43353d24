package io.dualwrite;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Which shapes a repository reads and writes right now. Each phase knows the shape it reads from and the shapes it
 * writes to, in order: the first shape written is the phase's source of truth (the one it reads), the second, if any,
 * is kept up to date behind it.
 *
 * <pre>
 * phase                 reads   writes (in order)   source of truth
 * OLD_ONLY              old     old                 old
 * READ_OLD_WRITE_BOTH   old     old, then new       old
 * READ_NEW_WRITE_BOTH   new     new, then old       new
 * READ_NEW_WRITE_NEW    new     new                 new
 * </pre>
 *
 * This is the contract a phase offers its readers: every write an instance acknowledges is in the shape it reads.
 * How the phased store sequences the two writes so that instances in adjacent phases stay correct (in
 * {@code READ_NEW_WRITE_BOTH} the version is claimed on old first, and the write acknowledged once new has it) is
 * described in docs/architecture.md.
 */
public enum Phase {

    /** Before the migration: everything reads and writes the old shape. */
    OLD_ONLY(Shape.OLD, List.of(Shape.OLD)),

    /** Expand: reads stay on the old shape, writes go to the old shape and then to the new one. */
    READ_OLD_WRITE_BOTH(Shape.OLD, List.of(Shape.OLD, Shape.NEW)),

    /** Reads switch to the new shape; writes still go to both, new first, so that instances still reading old stay correct. */
    READ_NEW_WRITE_BOTH(Shape.NEW, List.of(Shape.NEW, Shape.OLD)),

    /** Contract: only the new shape is read and written; the old shape may be cleaned up. */
    READ_NEW_WRITE_NEW(Shape.NEW, List.of(Shape.NEW));

    private final Shape readShape;

    private final List<Shape> writeOrder;

    Phase(Shape readShape, List<Shape> writeOrder) {
        this.readShape = readShape;
        this.writeOrder = writeOrder;
    }

    /** The shape this phase reads from; also the first shape it writes (its source of truth). */
    public Shape readShape() {
        return readShape;
    }

    /** The shapes this phase writes, in the order it writes them. */
    public List<Shape> writeOrder() {
        return writeOrder;
    }

    /** Whether this phase writes the given shape. */
    public boolean writes(Shape shape) {
        return writeOrder.contains(shape);
    }

    /** Whether this phase writes both shapes. */
    public boolean writesBoth() {
        return writeOrder.size() == 2;
    }

    /** The shape written second in a write-both phase, or {@code null} when this phase writes one shape only. */
    public Shape secondaryShape() {
        return writesBoth() ? writeOrder.get(1) : null;
    }

    /** The next phase forward, or {@code null} for {@link #READ_NEW_WRITE_NEW}. */
    public Phase next() {
        return ordinal() + 1 < values().length ? values()[ordinal() + 1] : null;
    }

    /** The previous phase, or {@code null} for {@link #OLD_ONLY}. */
    public Phase previous() {
        return ordinal() > 0 ? values()[ordinal() - 1] : null;
    }

    /** Whether the two phases are equal or one step apart (the only mix of phases allowed to be live at once). */
    public boolean isAdjacentTo(Phase other) {
        return Math.abs(ordinal() - other.ordinal()) <= 1;
    }

    /**
     * Parses a phase name, ignoring case and surrounding blanks.
     *
     * @throws IllegalArgumentException naming the text and the valid phases when it is not one of them
     */
    public static Phase parse(String text) {
        if (text != null) {
            String normalized = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
            for (Phase phase : values()) {
                if (phase.name().equals(normalized)) {
                    return phase;
                }
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not a phase; use one of " + names());
    }

    /** The phase names, comma separated, in order. */
    public static String names() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }
}
