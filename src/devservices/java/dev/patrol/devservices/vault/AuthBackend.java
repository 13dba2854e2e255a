package dev.patrol.devservices.vault;

/** An auth method mounted under {@code auth/<path>/}: its unauthenticated login and its other endpoints. */
interface AuthBackend {

    String type();

    /** {@code POST auth/<path>/login}, no token. */
    Answer login(Request req);

    /** Any other request under the mount; {@code sub} is the path after {@code auth/<path>/}. */
    Answer handle(Request req, String sub, Tokens.Token token);
}
