package io.github.peft4j.datasets;

import static java.util.Objects.requireNonNull;

import java.util.regex.Pattern;

/** One subject–property–object triple of a WebNLG or DART input. */
record Triple(String subject, String property, String object) {
    private static final Pattern SEPARATOR = Pattern.compile(Pattern.quote(" | "));

    Triple {
        requireNonNull(subject, "subject");
        requireNonNull(property, "property");
        requireNonNull(object, "object");
    }

    /**
     * Parses an XML {@code <mtriple>}: {@code subject | property | object}, each part trimmed (DART's XML pads
     * some subjects with spaces that its JSON does not have).
     *
     * @throws IllegalArgumentException when the text does not split into three parts
     */
    static Triple parse(String mtriple) {
        String[] parts = SEPARATOR.split(mtriple, -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("<mtriple>" + mtriple + "</mtriple> is not \"subject | property | object\"");
        }
        return new Triple(parts[0].strip(), parts[1].strip(), parts[2].strip());
    }
}
