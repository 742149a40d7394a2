package io.github.peft4j.datasets;

import io.github.peft4j.datasets.CsvRecords.CsvRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The E2E NLG Challenge data (Novikova, Dušek and Rieser 2017) in Li &amp; Liang's linearisation.
 *
 * <p>Two forms give the same sources. The paper's files {@code src1_{train,valid,test}.txt} hold
 * {@code MR||reference} per line with the MR already linearised ({@code name : The Eagle | Type : pub | ...})
 * and the text tokenised; they are taken as they are. The official CSVs ({@code trainset.csv},
 * {@code devset.csv}, {@code testset_w_refs.csv}, columns {@code mr,ref}, one row per reference) give MRs as
 * {@code name[The Eagle], eatType[pub], ...}, which {@link #linearise} turns into the paper's string; their
 * references stay as published (untokenised), which is what the official scorer compares against.
 */
public final class E2eReader {
    /** The official slot names that the paper's files spell differently; the others are kept. */
    private static final Map<String, String> SLOT_NAMES = Map.of(
            "eatType", "Type",
            "priceRange", "price",
            "familyFriendly", "family friendly");
    private static final String PAIR_SEPARATOR = "||";

    private E2eReader() {}

    /** Reads one of the paper's {@code src1_*.txt} files: {@code MR||reference} per line; blank lines are skipped. */
    public static DatasetSplit readSrc1(Path file) {
        SplitBuilder split = new SplitBuilder();
        DatasetFiles.forEachLine(file, (line, number) -> {
            if (line.isBlank()) {
                return;
            }
            int separator = line.indexOf(PAIR_SEPARATOR);
            if (separator < 0 || line.indexOf(PAIR_SEPARATOR, separator + PAIR_SEPARATOR.length()) >= 0) {
                throw DatasetFiles.malformed(file, number, "a line must be \"MR||reference\" with exactly one \"||\"");
            }
            String source = line.substring(0, separator);
            String reference = line.substring(separator + PAIR_SEPARATOR.length());
            if (source.isBlank()) {
                throw DatasetFiles.malformed(file, number, "the MR before \"||\" is empty");
            }
            if (reference.isBlank()) {
                throw DatasetFiles.malformed(file, number, "the reference after \"||\" is empty");
            }
            split.addPair(source, reference, file + ":" + number);
        });
        return split.build(file);
    }

    /** Reads an official CSV: a header naming the columns {@code mr} and {@code ref}, then one row per reference. */
    public static DatasetSplit readCsv(Path file) {
        List<CsvRecord> records = CsvRecords.read(file);
        if (records.isEmpty()) {
            throw DatasetFiles.malformedFile(file, "is empty; expected a header \"mr,ref\" and one row per reference");
        }
        CsvRecord header = records.get(0);
        List<String> columns = header.fields().stream().map(name -> name.strip().toLowerCase(Locale.ROOT)).toList();
        int mrColumn = columns.indexOf("mr");
        int refColumn = columns.indexOf("ref");
        if (mrColumn < 0 || refColumn < 0) {
            throw DatasetFiles.malformed(file, header.line(), "the header must name the columns \"mr\" and \"ref\", found "
                    + header.fields());
        }
        SplitBuilder split = new SplitBuilder();
        for (CsvRecord record : records.subList(1, records.size())) {
            if (record.fields().size() != columns.size()) {
                throw DatasetFiles.malformed(file, record.line(), "the row has " + record.fields().size()
                        + " fields but the header has " + columns.size());
            }
            String mr = record.fields().get(mrColumn);
            String reference = record.fields().get(refColumn);
            String source;
            try {
                source = linearise(mr);
            }
            catch (IllegalArgumentException e) {
                throw DatasetFiles.malformed(file, record.line(), "MR \"" + mr + "\": " + e.getMessage());
            }
            if (reference.isBlank()) {
                throw DatasetFiles.malformed(file, record.line(), "the reference is empty");
            }
            split.addPair(source, reference, file + ":" + record.line());
        }
        return split.build(file);
    }

    /**
     * The paper's linearisation of an official MR: {@code name[Blue Spice], eatType[coffee shop],
     * priceRange[£20-25]} becomes {@code name : Blue Spice | Type : coffee shop | price : £ 20 - 25}. Slots keep
     * their order; {@code eatType}, {@code priceRange} and {@code familyFriendly} are renamed as in the paper's
     * files, and values are tokenised as there: every character that is neither a letter, a digit nor white
     * space stands apart ({@code £20-25} becomes {@code £ 20 - 25}).
     *
     * @throws IllegalArgumentException saying what is wrong when {@code mr} is not {@code slot[value], ...}
     */
    public static String linearise(String mr) {
        if (mr.isBlank()) {
            throw new IllegalArgumentException("the MR is empty");
        }
        List<String> slots = new ArrayList<>();
        int position = 0;
        while (true) {
            int open = mr.indexOf('[', position);
            int comma = mr.indexOf(',', position);
            if (open < 0 || (comma >= 0 && comma < open)) {
                String rest = mr.substring(position, comma >= 0 ? comma : mr.length()).strip();
                throw new IllegalArgumentException(rest.isEmpty()
                        ? "an empty slot at character " + (position + 1)
                        : "\"" + rest + "\" is not slot[value]");
            }
            String slot = mr.substring(position, open).strip();
            if (slot.isEmpty()) {
                throw new IllegalArgumentException("a value at character " + (open + 1) + " has no slot name");
            }
            int close = mr.indexOf(']', open + 1);
            int nextOpen = mr.indexOf('[', open + 1);
            if (close < 0 || (nextOpen >= 0 && nextOpen < close)) {
                throw new IllegalArgumentException("slot \"" + slot + "\" has no closing ']'");
            }
            slots.add(SLOT_NAMES.getOrDefault(slot, slot) + " : " + tokeniseValue(mr.substring(open + 1, close)));
            position = close + 1;
            while (position < mr.length() && Character.isWhitespace(mr.charAt(position))) {
                position++;
            }
            if (position == mr.length()) {
                return String.join(" | ", slots);
            }
            if (mr.charAt(position) != ',') {
                throw new IllegalArgumentException("expected ',' after slot \"" + slot + "\" but found \""
                        + mr.substring(position).strip() + "\"");
            }
            position++;
        }
    }

    /** Sets off every character that is not a letter, digit or white space by single spaces. */
    private static String tokeniseValue(String value) {
        StringBuilder spaced = new StringBuilder();
        value.codePoints().forEach(c -> {
            if (Character.isLetterOrDigit(c) || Character.isWhitespace(c)) {
                spaced.appendCodePoint(c);
            }
            else {
                spaced.append(' ').appendCodePoint(c).append(' ');
            }
        });
        return String.join(" ", spaced.toString().strip().split("\\s+"));
    }
}
