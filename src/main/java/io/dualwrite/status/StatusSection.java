package io.dualwrite.status;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An optional part of a migration's status, contributed by a {@link StatusContributor}: a title and facts. The
 * Actuator endpoint shows it as JSON under {@code sections.<name>}; the status page as a titled list, a list value as
 * one line per element.
 *
 * @param title a short heading ("Repairs", "Shadow reads")
 * @param facts what to show, in order: names to values (text, numbers, booleans, instants, or lists of them or of
 *        maps); the page escapes everything
 */
public record StatusSection(String title, Map<String, Object> facts) {

    public StatusSection {
        Objects.requireNonNull(title, "title");
        facts = Collections.unmodifiableMap(new LinkedHashMap<>(facts == null ? Map.of() : facts));
    }
}
