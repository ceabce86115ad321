package io.streamformer.app.testing;

import io.streamformer.app.embedded.EmbeddedKafkaBroker;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.security.auth.SecurityProtocol;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A single-node KRaft cluster in this JVM, secured as production clusters are: TLS with certificates of a
 * throwaway CA ({@link TestCertificates}), SCRAM-SHA-512 over SASL_SSL, mutual TLS (a client certificate is
 * required; the principal is the certificate's CN), and Kafka's {@code StandardAuthorizer} (no ACL: no access).
 * Listeners:
 * <ul>
 *   <li>{@code SETUP} (PLAINTEXT, localhost): the test's own administration; its principal, {@code User:ANONYMOUS},
 *       is a super user, as is the controller's (the same listener type);</li>
 *   <li>{@code SCRAM} (SASL_SSL, SCRAM-SHA-512): users created with {@link #createScramUser};</li>
 *   <li>{@code MTLS} (SSL, client certificate required): principal {@code User:<CN>} of the certificate.</li>
 * </ul>
 */
public final class SecuredBroker implements AutoCloseable {
    /** Maps the DN {@code CN=name,OU=...} of a client certificate to the principal {@code User:name}. */
    public static final String PRINCIPAL_MAPPING_RULES = "RULE:^CN=([^,]+),.*$/$1/,DEFAULT";

    private final EmbeddedKafkaBroker broker;
    private final TestCertificates certificates;
    private final int scramPort;
    private final int mtlsPort;

    private SecuredBroker(EmbeddedKafkaBroker broker, TestCertificates certificates, int scramPort, int mtlsPort) {
        this.broker = broker;
        this.certificates = certificates;
        this.scramPort = scramPort;
        this.mtlsPort = mtlsPort;
    }

    /** Generates the CA and the broker's certificate in {@code dir}, starts the broker, waits until it serves. */
    public static SecuredBroker start(Path dir) {
        TestCertificates certs = TestCertificates.createAuthority(dir, "StreamFormer SecurityIT CA");
        TestCertificates.Identity server = certs.issue("broker", "CN=localhost,OU=brokers,O=StreamFormer tests",
                true, "PKCS12");
        int setup = EmbeddedKafkaBroker.freePort();
        int scram = EmbeddedKafkaBroker.freePort();
        int mtls = EmbeddedKafkaBroker.freePort();
        int controller = EmbeddedKafkaBroker.freePort();
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder()
                .port(setup)
                .controllerPort(controller)
                .property("listeners", "SETUP://localhost:" + setup + ",SCRAM://localhost:" + scram
                        + ",MTLS://localhost:" + mtls + ",CONTROLLER://localhost:" + controller)
                .property("advertised.listeners", "SETUP://localhost:" + setup + ",SCRAM://localhost:" + scram
                        + ",MTLS://localhost:" + mtls)
                .property("listener.security.protocol.map",
                        "SETUP:PLAINTEXT,SCRAM:SASL_SSL,MTLS:SSL,CONTROLLER:PLAINTEXT")
                .property("inter.broker.listener.name", "SETUP")
                .property("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                .property("super.users", "User:ANONYMOUS")
                .property("allow.everyone.if.no.acl.found", "false")
                .property("sasl.enabled.mechanisms", "SCRAM-SHA-512")
                .property("listener.name.scram.scram-sha-512.sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required;")
                .property("ssl.keystore.type", server.type())
                .property("ssl.keystore.location", server.keystore().toString())
                .property("ssl.keystore.password", server.storePassword())
                .property("ssl.key.password", server.keyPassword())
                .property("ssl.truststore.type", "PKCS12")
                .property("ssl.truststore.location", certs.truststore().toString())
                .property("ssl.truststore.password", certs.truststorePassword())
                .property("listener.name.mtls.ssl.client.auth", "required")
                .property("ssl.principal.mapping.rules", PRINCIPAL_MAPPING_RULES)
                .start();
        SecuredBroker secured = new SecuredBroker(broker, certs, scram, mtls);
        secured.awaitReady();
        return secured;
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (Admin admin = admin()) {
            while (true) {
                try {
                    admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000)).nodes().get(3, TimeUnit.SECONDS);
                    return;
                } catch (Exception e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the secured broker did not come up within 60 s", e);
                    }
                }
            }
        }
    }

    public TestCertificates certificates() {
        return certificates;
    }

    /** The PLAINTEXT listener of the test's own set-up (a super user). */
    public String setupBootstrapServers() {
        return broker.bootstrapServers();
    }

    public String scramBootstrapServers() {
        return "localhost:" + scramPort;
    }

    public String mtlsBootstrapServers() {
        return "localhost:" + mtlsPort;
    }

    /** An admin client on the set-up listener: may do anything. */
    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, setupBootstrapServers()));
    }

    public void createTopics(int partitions, Map<String, String> configs, String... topics) {
        try (Admin admin = admin()) {
            admin.createTopics(Stream.of(topics).map(t -> new NewTopic(t, partitions, (short) 1).configs(configs))
                    .toList()).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create " + List.of(topics), e);
        }
    }

    /**
     * A SCRAM-SHA-512 user; returns once a client can log in with it on the SCRAM listener (the credential has
     * reached the broker's metadata).
     */
    public void createScramUser(String user, String password) {
        try (Admin admin = admin()) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), password))).all()
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create the SCRAM user " + user, e);
        }
        Map<String, Object> client = new HashMap<>(scramClient(user, password));
        client.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, scramBootstrapServers());
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try (Admin admin = Admin.create(client)) {
                admin.describeCluster(new DescribeClusterOptions().timeoutMs(5000)).nodes().get(6, TimeUnit.SECONDS);
                return;
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the SCRAM user " + user + " cannot log in after 30 s", e);
                }
            }
        }
    }

    /** Client settings of a SCRAM-SHA-512 login over TLS (this CA's truststore), bootstrap servers aside. */
    public Map<String, Object> scramClient(String user, String password) {
        return Map.of(
                CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, SecurityProtocol.SASL_SSL.name,
                SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512",
                SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required"
                        + " username=\"" + user + "\" password=\"" + password + "\";",
                SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12",
                SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, certificates.truststore().toString(),
                SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, certificates.truststorePassword());
    }

    /** Client settings of a TLS connection that presents {@code identity}'s certificate, bootstrap servers aside. */
    public Map<String, Object> mtlsClient(TestCertificates.Identity identity) {
        return Map.of(
                CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, SecurityProtocol.SSL.name,
                SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, identity.type(),
                SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, identity.keystore().toString(),
                SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, identity.storePassword(),
                SslConfigs.SSL_KEY_PASSWORD_CONFIG, identity.keyPassword(),
                SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12",
                SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, certificates.truststore().toString(),
                SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, certificates.truststorePassword());
    }

    /** Creates the ACLs and waits until the broker's authorizer has them all. */
    public void grant(Collection<AclBinding> acls) {
        try (Admin admin = admin()) {
            admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
            awaitAcls(admin, acls, true);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create ACLs " + acls, e);
        }
    }

    /** Deletes exactly these ACLs and waits until the authorizer has none of them. */
    public void revoke(Collection<AclBinding> acls) {
        try (Admin admin = admin()) {
            admin.deleteAcls(acls.stream().map(AclBinding::toFilter).toList()).all().get(30, TimeUnit.SECONDS);
            awaitAcls(admin, acls, false);
        } catch (Exception e) {
            throw new IllegalStateException("cannot delete ACLs " + acls, e);
        }
    }

    private static void awaitAcls(Admin admin, Collection<AclBinding> acls, boolean present) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            Set<AclBinding> all = new HashSet<>(admin.describeAcls(AclBindingFilter.ANY).values()
                    .get(10, TimeUnit.SECONDS));
            if (present ? all.containsAll(acls) : acls.stream().noneMatch(all::contains)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("ACLs " + (present ? "not" : "still") + " in effect after 30 s");
            }
            Thread.sleep(50);
        }
    }

    @Override
    public void close() {
        broker.close();
    }
}
