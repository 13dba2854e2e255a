package dev.patrol.vault;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Vault's {@code {"errors": [...]}} strings, read from a response body or a driver message that quotes one. */
final class VaultErrors {

    private static final ObjectMapper JSON = new ObjectMapper();

    private VaultErrors() {
    }

    static List<String> from(String text) {
        List<String> out = new ArrayList<>();
        if (text == null)
            return out;
        int start = text.indexOf("{\"errors\"");
        if (start < 0)
            return out;
        try {
            JsonNode n = JSON.readTree(text.substring(start));
            n.path("errors").forEach(e -> out.add(e.asText().replaceAll("\\s+", " ").trim()));
        } catch (Exception e) {
            // not JSON after all: no errors to report
        }
        return out;
    }

    static List<String> from(byte[] body) {
        return body == null ? List.of() : from(new String(body, java.nio.charset.StandardCharsets.UTF_8));
    }
}
