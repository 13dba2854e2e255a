package dev.patrol.devservices.snowflake;

/** IPv4 addresses and CIDR ranges as network rules and policies list them ({@code 10.0.0.0/8}, {@code 1.2.3.4}). */
final class Ipv4 {

    private Ipv4() {
    }

    /** Parses a dotted quad; returns -1 when the text is not an IPv4 address. */
    static long parse(String text) {
        String[] parts = text.trim().split("\\.", -1);
        if (parts.length != 4)
            return -1;
        long value = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit))
                return -1;
            int octet = Integer.parseInt(p);
            if (octet > 255)
                return -1;
            value = (value << 8) | octet;
        }
        return value;
    }

    static boolean isValidRange(String cidr) {
        int slash = cidr.indexOf('/');
        String address = slash < 0 ? cidr : cidr.substring(0, slash);
        if (parse(address) < 0)
            return false;
        if (slash < 0)
            return true;
        String bits = cidr.substring(slash + 1);
        return bits.matches("\\d{1,2}") && Integer.parseInt(bits) <= 32;
    }

    static boolean matches(String cidr, String ip) {
        long address = parse(ip);
        if (address < 0 || !isValidRange(cidr))
            return false;
        int slash = cidr.indexOf('/');
        long base = parse(slash < 0 ? cidr : cidr.substring(0, slash));
        int bits = slash < 0 ? 32 : Integer.parseInt(cidr.substring(slash + 1));
        long mask = bits == 0 ? 0 : (0xFFFFFFFFL << (32 - bits)) & 0xFFFFFFFFL;
        return (address & mask) == (base & mask);
    }
}
