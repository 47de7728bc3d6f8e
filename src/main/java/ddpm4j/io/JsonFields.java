package ddpm4j.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Typed access to the keys of a JSON configuration object, with errors that name the file and
 * the key, and a check that no key went unread.
 */
final class JsonFields {
    static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final JsonNode root;
    private final Set<String> seen = new HashSet<>();

    private JsonFields(Path file, JsonNode root) {
        this.file = file;
        this.root = root;
    }

    static JsonFields read(Path file) throws IOException {
        FormatException.requireFile(file);
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new FormatException(file, "file not found");
        } catch (JsonProcessingException e) {
            throw new FormatException(file, "not valid JSON: " + e.getOriginalMessage());
        } catch (java.nio.charset.MalformedInputException e) {
            throw new FormatException(file, "not UTF-8 text");
        }
        if (root == null || !root.isObject()) {
            throw new FormatException(file, "expected a JSON object");
        }
        return new JsonFields(file, root);
    }

    private JsonNode get(String key) {
        seen.add(key);
        JsonNode n = root.get(key);
        return n == null || n.isNull() ? null : n;
    }

    /** Whether the key is written in the file at all, even as null. */
    boolean has(String key) {
        seen.add(key);
        return root.has(key);
    }

    FormatException error(String key, String problem) {
        return new FormatException(file, "'" + key + "' " + problem);
    }

    Integer integer(String key, Integer fallback) throws FormatException {
        JsonNode n = get(key);
        if (n == null) {
            return fallback;
        }
        if (n.isIntegralNumber() && n.canConvertToInt()) {
            return n.asInt();
        }
        if (n.isNumber() && n.asDouble() == Math.rint(n.asDouble()) && Math.abs(n.asDouble()) < Integer.MAX_VALUE) {
            return (int) n.asDouble();
        }
        throw error(key, "must be an integer, got " + n);
    }

    int requiredInt(String key) throws FormatException {
        Integer v = integer(key, null);
        if (v == null) {
            throw error(key, "is missing");
        }
        return v;
    }

    double number(String key, double fallback) throws FormatException {
        JsonNode n = get(key);
        if (n == null) {
            return fallback;
        }
        if (!n.isNumber()) {
            throw error(key, "must be a number, got " + n);
        }
        return n.asDouble();
    }

    boolean bool(String key, boolean fallback) throws FormatException {
        JsonNode n = get(key);
        if (n == null) {
            return fallback;
        }
        if (!n.isBoolean()) {
            throw error(key, "must be true or false, got " + n);
        }
        return n.asBoolean();
    }

    String text(String key, String fallback) throws FormatException {
        JsonNode n = get(key);
        if (n == null) {
            return fallback;
        }
        if (!n.isTextual()) {
            throw error(key, "must be a string, got " + n);
        }
        return n.asText();
    }

    /** A key whose only supported value is {@code allowed} (absent counts as allowed). */
    void expect(String key, String allowed) throws FormatException {
        String v = text(key, allowed);
        if (!v.equals(allowed)) {
            throw error(key, "has unsupported value '" + v + "' (supported: " + allowed + ")");
        }
    }

    /** A key that must be absent or null. */
    void expectNull(String key, String why) throws FormatException {
        JsonNode n = get(key);
        if (n != null) {
            throw error(key, "is not supported (" + why + "), got " + n);
        }
    }

    List<String> texts(String key, List<String> fallback) throws FormatException {
        JsonNode n = get(key);
        if (n == null) {
            return fallback;
        }
        if (!n.isArray()) {
            throw error(key, "must be a list of strings, got " + n);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isTextual()) {
                throw error(key, "must be a list of strings, got " + n);
            }
            out.add(e.asText());
        }
        return out;
    }

    List<Integer> integers(String key, List<Integer> fallback) throws FormatException {
        JsonNode n = get(key);
        if (n == null) {
            return fallback;
        }
        if (!n.isArray()) {
            throw error(key, "must be a list of integers, got " + n);
        }
        List<Integer> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isIntegralNumber() || !e.canConvertToInt()) {
                throw error(key, "must be a list of integers, got " + n);
            }
            out.add(e.asInt());
        }
        return out;
    }

    double[] doubles(String key) throws FormatException {
        JsonNode n = get(key);
        if (n == null) {
            return null;
        }
        if (!n.isArray()) {
            throw error(key, "must be a list of numbers, got a " + n.getNodeType());
        }
        double[] out = new double[n.size()];
        for (int i = 0; i < out.length; i++) {
            if (!n.get(i).isNumber()) {
                throw error(key, "must be a list of numbers");
            }
            out[i] = n.get(i).asDouble();
        }
        return out;
    }

    JsonNode raw(String key) {
        return get(key);
    }

    /** Fails on the first key that was never read; keys starting with '_' are metadata. */
    void rejectUnknown() throws FormatException {
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!k.startsWith("_") && !seen.contains(k)) {
                throw new FormatException(file, "unknown key '" + k + "'");
            }
        }
    }

    Path file() {
        return file;
    }
}
