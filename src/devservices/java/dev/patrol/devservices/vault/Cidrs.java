package dev.patrol.devservices.vault;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/** CIDR blocks as AppRole binds them ({@code 10.0.0.0/8}, {@code ::1/128}, or a bare address). */
final class Cidrs {

    record Block(byte[] network, int bits, String text) {
        boolean contains(InetAddress address) {
            byte[] a = address.getAddress();
            if (a.length != network.length)
                return false;
            for (int i = 0; i < bits; i++) {
                int mask = 0x80 >>> (i % 8);
                if ((a[i / 8] & mask) != (network[i / 8] & mask))
                    return false;
            }
            return true;
        }
    }

    private Cidrs() {
    }

    /** Parses each block; 400 for anything that is not an IP literal with an optional prefix length. */
    static List<Block> parse(List<String> texts) {
        List<Block> out = new ArrayList<>();
        for (String text : texts) {
            String t = text.trim();
            if (t.isEmpty())
                continue;
            int slash = t.indexOf('/');
            String ip = slash < 0 ? t : t.substring(0, slash);
            // Only literals: a host name here would make the emulator do DNS look-ups.
            if (!ip.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*"))
                throw VaultError.badRequest("invalid CIDR block \"" + t + "\"");
            try {
                byte[] network = InetAddress.getByName(ip).getAddress();
                int bits = slash < 0 ? network.length * 8 : Integer.parseInt(t.substring(slash + 1));
                if (bits < 0 || bits > network.length * 8)
                    throw new NumberFormatException();
                out.add(new Block(network, bits, t));
            } catch (UnknownHostException | NumberFormatException e) {
                throw VaultError.badRequest("invalid CIDR block \"" + t + "\"");
            }
        }
        return List.copyOf(out);
    }

    /** True when no blocks are bound, or one of them holds the address. */
    static boolean allows(List<Block> blocks, InetAddress address) {
        if (blocks.isEmpty())
            return true;
        if (address == null)
            return false;
        return blocks.stream().anyMatch(b -> b.contains(address));
    }

    static List<String> texts(List<Block> blocks) {
        return blocks.stream().map(Block::text).toList();
    }
}
