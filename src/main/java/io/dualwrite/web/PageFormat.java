package io.dualwrite.web;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import org.springframework.web.util.UriUtils;

import io.dualwrite.status.MigrationStatus;

/** Formatting helpers the status page's template calls ({@code fmt}). Every result is escaped by the template. */
public final class PageFormat {

    private static final DateTimeFormatter INSTANT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'",
            Locale.ROOT).withZone(ZoneOffset.UTC);

    /** "2026-11-21 10:00:00 UTC", or "-" for none. */
    public String instant(Instant instant) {
        return instant == null ? "-" : INSTANT.format(instant);
    }

    /** "12,345". */
    public String number(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }

    /** "870 documents/s". */
    public String rate(double documentsPerSecond) {
        return String.format(Locale.ROOT, "%,.0f documents/s", documentsPerSecond);
    }

    /** A migration id as one URL path segment. */
    public String path(String migrationId) {
        return UriUtils.encodePathSegment(migrationId, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The buttons a run offers: start when none is active, pause while running, resume while paused. */
    public List<String> actions(MigrationStatus.Run run) {
        if (run == null || !run.active()) {
            return List.of("start");
        }
        return "PAUSED".equals(run.status()) ? List.of("resume") : List.of("pause");
    }

    /** "Start a copy run", "Pause the verification", … */
    public String actionLabel(String action, String job) {
        String what = "copy".equals(job) ? "copy" : "verification";
        return switch (action) {
            case "start" -> "Start a " + what + " run";
            case "pause" -> "Pause the " + what;
            case "resume" -> "Resume the " + what;
            default -> action;
        };
    }

    /** Whether a section's value is shown as a list. */
    public boolean isList(Object value) {
        return value instanceof Collection<?>;
    }

    /** A section's value as text: maps as "key: value, …", instants formatted, null as "-". */
    public String text(Object value) {
        if (value == null) {
            return "-";
        }
        if (value instanceof Instant instant) {
            return instant(instant);
        }
        if (value instanceof Map<?, ?> map) {
            return map.entrySet().stream().map(entry -> entry.getKey() + ": " + text(entry.getValue()))
                    .collect(Collectors.joining(", "));
        }
        if (value instanceof Collection<?> items) {
            return items.stream().map(this::text).collect(Collectors.joining(", "));
        }
        return String.valueOf(value);
    }
}
