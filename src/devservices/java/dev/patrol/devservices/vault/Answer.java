package dev.patrol.devservices.vault;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** One HTTP answer of the emulator (status and JSON body, {@code null} for an empty body) and the shared wire helpers. */
record Answer(int status, JsonNode body) {

    /** Jackson's mapper is thread-safe once configured; every part of the emulator shares this one. */
    static final ObjectMapper JSON = new ObjectMapper();

    static Answer ok(JsonNode data) {
        return new Answer(200, envelope(data));
    }

    static Answer noContent() {
        return new Answer(204, null);
    }

    /** Vault's success envelope around {@code data}. */
    static ObjectNode envelope(JsonNode data) {
        ObjectNode root = JSON.createObjectNode();
        root.put("request_id", UUID.randomUUID().toString());
        root.put("lease_id", "");
        root.put("renewable", false);
        root.put("lease_duration", 0);
        if (data == null)
            root.putNull("data");
        else
            root.set("data", data);
        root.putNull("wrap_info");
        root.putNull("warnings");
        root.putNull("auth");
        root.put("mount_type", "");
        return root;
    }

    /** Some sys/ answers carry their map both under {@code data} and at the top level, for old clients. */
    static Answer okFlat(ObjectNode data) {
        ObjectNode top = envelope(data);
        data.fields().forEachRemaining(e -> top.set(e.getKey(), e.getValue()));
        return new Answer(200, top);
    }

    /** {@code {"keys": [...]}}, a LIST answer. */
    static Answer keys(Collection<String> keys) {
        ObjectNode data = JSON.createObjectNode();
        ArrayNode array = data.putArray("keys");
        keys.forEach(array::add);
        return ok(data);
    }

    static String trimSlashes(String s) {
        int a = 0, b = s.length();
        while (a < b && s.charAt(a) == '/')
            a++;
        while (b > a && s.charAt(b - 1) == '/')
            b--;
        return s.substring(a, b);
    }

    /** A JSON array of strings, or one comma-separated string, as Vault accepts both. */
    static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        if (n == null || n.isNull())
            return out;
        if (n.isArray())
            n.forEach(x -> out.add(x.asText()));
        else
            for (String s : n.asText().split(","))
                if (!s.isBlank())
                    out.add(s.trim());
        return out;
    }
}
