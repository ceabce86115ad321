package io.streamformer.app.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway certificate authority for TLS tests, made with the JDK's own keytool (no extra library): a CA key
 * pair, a PKCS12 truststore holding the CA's certificate, and key stores with a key pair and a certificate the CA
 * signed (the chain included), for a broker (with localhost as subject alternative name) or a client (mTLS). Every
 * password is random, so that a test can look for it in logs.
 */
public final class TestCertificates {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A key store with one key pair and its certificate chain; the key's password may differ from the store's. */
    public record Identity(String alias, String distinguishedName, Path keystore, String type, String storePassword,
                           String keyPassword) {
    }

    private final Path dir;
    private final Path caStore;
    private final Path caCert;
    private final String caPassword;
    private final Path truststore;
    private final String truststorePassword;

    private TestCertificates(Path dir, Path caStore, Path caCert, String caPassword, Path truststore,
                             String truststorePassword) {
        this.dir = dir;
        this.caStore = caStore;
        this.caCert = caCert;
        this.caPassword = caPassword;
        this.truststore = truststore;
        this.truststorePassword = truststorePassword;
    }

    /** A random password of 24 hex digits with a readable prefix, e.g. {@code truststore-3f9c...}. */
    public static String password(String prefix) {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return prefix + "-" + HexFormat.of().formatHex(b);
    }

    /** A new CA in {@code dir} (a self-signed certificate valid for two days) and a truststore holding it. */
    public static TestCertificates createAuthority(Path dir, String caName) {
        Path caStore = dir.resolve("ca.p12");
        Path caCert = dir.resolve("ca.pem");
        String caPassword = password("ca");
        keytool("-genkeypair", "-alias", "ca", "-dname", "CN=" + caName, "-keyalg", "EC", "-groupname", "secp256r1",
                "-validity", "2", "-ext", "bc:c", "-keystore", caStore.toString(), "-storetype", "PKCS12",
                "-storepass", caPassword);
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", caStore.toString(), "-storepass", caPassword,
                "-file", caCert.toString());
        Path truststore = dir.resolve("truststore.p12");
        String truststorePassword = password("truststore");
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caCert.toString(), "-keystore",
                truststore.toString(), "-storetype", "PKCS12", "-storepass", truststorePassword);
        return new TestCertificates(dir, caStore, caCert, caPassword, truststore, truststorePassword);
    }

    public Path truststore() {
        return truststore;
    }

    public String truststorePassword() {
        return truststorePassword;
    }

    /** The CA's certificate, PEM. */
    public Path caCertificate() {
        return caCert;
    }

    /**
     * A key pair for {@code alias} with a certificate for {@code distinguishedName} signed by this CA, in a key
     * store of {@code type} (PKCS12, or JKS, where the key's password can differ from the store's). A server's
     * certificate names localhost and 127.0.0.1 as alternative names (clients verify the host name).
     */
    public Identity issue(String alias, String distinguishedName, boolean server, String type) {
        Path store = dir.resolve(alias + "." + type.toLowerCase(java.util.Locale.ROOT));
        String storePassword = password(alias + "-store");
        // keytool (and the JDK) keep one password per PKCS12 store
        String keyPassword = type.equalsIgnoreCase("PKCS12") ? storePassword : password(alias + "-key");
        Path request = dir.resolve(alias + ".csr");
        Path signed = dir.resolve(alias + ".pem");
        keytool("-genkeypair", "-alias", alias, "-dname", distinguishedName, "-keyalg", "EC", "-groupname",
                "secp256r1", "-validity", "2", "-keystore", store.toString(), "-storetype", type, "-storepass",
                storePassword, "-keypass", keyPassword);
        keytool("-certreq", "-alias", alias, "-keystore", store.toString(), "-storepass", storePassword, "-keypass",
                keyPassword, "-file", request.toString());
        List<String> sign = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", "ca", "-keystore", caStore.toString(),
                "-storepass", caPassword, "-infile", request.toString(), "-outfile", signed.toString(), "-validity", "2",
                "-ext", "KU=digitalSignature,keyAgreement",
                "-ext", "EKU=" + (server ? "serverAuth,clientAuth" : "clientAuth")));
        if (server) {
            sign.addAll(List.of("-ext", "SAN=dns:localhost,ip:127.0.0.1"));
        }
        keytool(sign.toArray(String[]::new));
        try {
            // the reply as a chain (certificate, then the CA's): keytool installs it without asking
            Files.writeString(signed, Files.readString(signed) + Files.readString(caCert));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        keytool("-importcert", "-noprompt", "-alias", alias, "-file", signed.toString(), "-keystore", store.toString(),
                "-storepass", storePassword, "-keypass", keyPassword);
        return new Identity(alias, distinguishedName, store, type, storePassword, keyPassword);
    }

    /** Runs the JDK's keytool (of the JVM running the tests); fails with its output when it fails. */
    static void keytool(String... args) {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> cmd = new ArrayList<>(List.of(keytool.toString(), "-J-XX:TieredStopAtLevel=1",
                "-J-XX:+UseSerialGC"));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("keytool " + args[0] + " failed: " + new String(out));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + keytool, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
