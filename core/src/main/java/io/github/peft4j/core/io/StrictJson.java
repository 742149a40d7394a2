package io.github.peft4j.core.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.github.peft4j.spi.PeftException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JSON reader for users' files: a key given twice and anything after the top-level value are errors, where
 * Jackson's defaults would silently keep the last value or ignore the rest.
 */
public final class StrictJson {
    public static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** One value of a parser that is then asked for what follows, so that trailing text is named as such. */
    private static final ObjectReader ONE_VALUE = MAPPER.readerFor(JsonNode.class).without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final Pattern DUPLICATE = Pattern.compile("^Duplicate field '(.*)'$", Pattern.DOTALL);

    private StrictJson() {}

    /**
     * The one JSON value of a line of a JSON Lines file (null for a blank line).
     *
     * @param refuse turns what is wrong with the line, e.g. {@code "has text after the JSON object (column 30)..."},
     *     into the reader's error naming the file and line
     */
    public static JsonNode readLine(String line, Function<String, PeftException> refuse) {
        try (JsonParser parser = MAPPER.createParser(line)) {
            if (parser.nextToken() == null) {
                return null;
            }
            JsonNode value = readValue(parser);
            int end = (int) parser.currentLocation().getColumnNr();
            boolean trailing;
            try {
                trailing = parser.nextToken() != null;
            }
            catch (JsonProcessingException e) {
                trailing = true;
            }
            if (trailing) {
                throw refuse.apply("has text after the JSON object, which ends at column " + end + ": give one JSON object per line");
            }
            return value;
        }
        catch (JsonProcessingException e) {
            throw refuse.apply(problem(e));
        }
        catch (IOException e) {
            throw new IllegalStateException("reading a string cannot fail", e);
        }
    }

    /**
     * The one JSON value of a whole file (null for an empty one), read strictly.
     *
     * @param malformed turns what is wrong with the text, e.g. {@code "is not valid JSON (... at line 3, column 7)"}, into
     *     the caller's error naming the file
     * @throws IOException when the file cannot be read; the caller says what that means for its file
     */
    public static JsonNode readFile(Path file, Function<String, PeftException> malformed) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            return MAPPER.readTree(bytes);
        }
        catch (JsonProcessingException e) {
            JsonLocation location = e.getLocation();
            String where = location == null ? "" : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
            throw malformed.apply("is not valid JSON (" + e.getOriginalMessage() + where + ")");
        }
    }

    /** The value at the parser's current token, leaving what follows it to the caller (who is to refuse or read it). */
    public static JsonNode readValue(JsonParser parser) throws IOException {
        return ONE_VALUE.readValue(parser);
    }

    /** What a strict read refused, in words: a key given twice, else Jackson's description of the bad JSON. */
    public static String problem(JsonProcessingException e) {
        Matcher duplicate = DUPLICATE.matcher(String.valueOf(e.getOriginalMessage()));
        if (duplicate.matches()) {
            return "gives the key \"" + duplicate.group(1) + "\" twice: keep only one";
        }
        return "is not valid JSON (" + e.getOriginalMessage() + ")";
    }
}
