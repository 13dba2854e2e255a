package dev.patrol.devservices.vault;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Vault ACL policy: the HCL subset real policies use ({@code path "glob" { capabilities = [...] }},
 * comments), and Vault's rule for combining policies: rules for the same path pattern merge, the
 * most specific matching pattern decides, and {@code deny} in it wins.
 */
final class AclPolicy {

    static final Set<String> CAPABILITIES = Set.of("create", "read", "update", "patch", "delete", "list", "sudo", "deny",
            "subscribe");

    private static final Pattern PATH_BLOCK = Pattern.compile("path\\s+\"([^\"]*)\"\\s*\\{([^}]*)}", Pattern.DOTALL);
    private static final Pattern CAPS = Pattern.compile("capabilities\\s*=\\s*\\[([^\\]]*)]", Pattern.DOTALL);
    private static final Pattern QUOTED = Pattern.compile("\"([^\"]*)\"");

    record Rule(String pattern, Set<String> capabilities) {
    }

    final String name;
    final String text;
    final List<Rule> rules;

    private AclPolicy(String name, String text, List<Rule> rules) {
        this.name = name;
        this.text = text;
        this.rules = rules;
    }

    /** Parses policy text; throws {@link IllegalArgumentException} with Vault's kind of message on bad input. */
    static AclPolicy parse(String name, String text) {
        String stripped = stripComments(text);
        List<Rule> rules = new ArrayList<>();
        Matcher m = PATH_BLOCK.matcher(stripped);
        int end = 0;
        while (m.find()) {
            if (!stripped.substring(end, m.start()).isBlank())
                throw new IllegalArgumentException("failed to parse policy: unexpected content before path block");
            end = m.end();
            String body = m.group(2);
            Matcher caps = CAPS.matcher(body);
            if (!caps.find()) {
                if (body.contains("policy"))
                    throw new IllegalArgumentException(
                            "failed to parse policy: the legacy 'policy' field is not supported, use capabilities");
                throw new IllegalArgumentException("failed to parse policy: path \"" + m.group(1) + "\": missing capabilities");
            }
            Set<String> set = new LinkedHashSet<>();
            Matcher q = QUOTED.matcher(caps.group(1));
            while (q.find()) {
                String cap = q.group(1).toLowerCase(java.util.Locale.ROOT);
                if (!CAPABILITIES.contains(cap) && !cap.equals("root")) {
                    throw new IllegalArgumentException(
                            "failed to parse policy: path \"" + m.group(1) + "\": invalid capability \"" + cap + "\"");
                }
                set.add(cap);
            }
            // Other path attributes (allowed_parameters, min_wrapping_ttl, ...) are accepted but not enforced.
            rules.add(new Rule(m.group(1), set));
        }
        if (!stripped.substring(end).isBlank())
            throw new IllegalArgumentException("failed to parse policy: unexpected content after the last path block");
        return new AclPolicy(name, text, List.copyOf(rules));
    }

    private static String stripComments(String text) {
        StringBuilder out = new StringBuilder();
        boolean inString = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"')
                inString = !inString;
            if (!inString && (c == '#' || (c == '/' && i + 1 < text.length() && text.charAt(i + 1) == '/'))) {
                while (i < text.length() && text.charAt(i) != '\n')
                    i++;
                out.append('\n');
                continue;
            }
            if (!inString && c == '/' && i + 1 < text.length() && text.charAt(i + 1) == '*') {
                int close = text.indexOf("*/", i + 2);
                i = close < 0 ? text.length() : close + 1;
                continue;
            }
            out.append(c);
        }
        return out.toString();
    }

    /**
     * The capabilities a set of policies grants on a path: merge rules per pattern, take the most
     * specific pattern that matches, and let deny win. Empty means no access ("deny" for callers).
     */
    static Set<String> capabilities(List<AclPolicy> policies, String path) {
        Map<String, Set<String>> merged = new LinkedHashMap<>();
        for (AclPolicy p : policies) {
            for (Rule r : p.rules)
                merged.computeIfAbsent(r.pattern(), k -> new LinkedHashSet<>()).addAll(r.capabilities());
        }
        String best = merged.keySet().stream().filter(pattern -> matches(pattern, path))
                .max(AclPolicy::compareSpecificity).orElse(null);
        if (best == null)
            return Set.of();
        Set<String> caps = merged.get(best);
        if (caps.contains("deny"))
            return Set.of("deny");
        return caps;
    }

    /** {@code +} matches one path segment; a trailing {@code *} matches any rest (a prefix match). */
    static boolean matches(String pattern, String path) {
        boolean prefix = pattern.endsWith("*");
        String p = prefix ? pattern.substring(0, pattern.length() - 1) : pattern;
        String[] ps = p.split("/", -1);
        String[] xs = path.split("/", -1);
        if (!prefix && ps.length != xs.length)
            return false;
        if (prefix && xs.length < ps.length)
            return false;
        for (int i = 0; i < ps.length; i++) {
            boolean last = i == ps.length - 1;
            if (ps[i].equals("+"))
                continue;
            if (last && prefix) {
                if (!xs[i].startsWith(ps[i]))
                    return false;
            } else if (!ps[i].equals(xs[i])) {
                return false;
            }
        }
        return true;
    }

    /**
     * Vault's priority between two matching patterns (lower priority first): the first wildcard
     * ({@code +} or {@code *}) later in the pattern is more specific; a pattern without a trailing
     * {@code *} beats one with it; fewer {@code +} segments win; a longer pattern wins; then
     * lexical order.
     */
    static int compareSpecificity(String a, String b) {
        return Comparator.<String> comparingInt(AclPolicy::firstWildcard)
                .thenComparing(s -> !s.endsWith("*"))
                .thenComparing(s -> -plusCount(s))
                .thenComparingInt(String::length)
                .thenComparing(Comparator.reverseOrder())
                .compare(a, b);
    }

    private static int firstWildcard(String s) {
        int plus = s.indexOf('+');
        int star = s.endsWith("*") ? s.length() - 1 : -1;
        int first = plus < 0 ? star : star < 0 ? plus : Math.min(plus, star);
        return first < 0 ? Integer.MAX_VALUE : first;
    }

    private static int plusCount(String s) {
        int n = 0;
        for (String seg : s.split("/"))
            if (seg.equals("+"))
                n++;
        return n;
    }
}
