package io.streamformer.app.cli;

import io.streamformer.app.embedded.EmbeddedKafkaBroker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code broker}: a single-node Kafka broker (KRaft) in its own process, from the Kafka artifacts the app ships
 * with, for trying the app against a broker that is not inside it (kafka-bench, the fault tests). Runs until it is
 * stopped (SIGTERM or Ctrl-C shuts it down cleanly); with {@code --data-dir} its data survives a restart.
 */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Run a single-node Kafka broker (KRaft) in this process until stopped; prints"
                + " \"broker ready: HOST:PORT\" when it accepts connections.")
public final class BrokerCommand implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "9092", paramLabel = "N", description = "Client port (default 9092).")
    int port;

    @Option(names = "--controller-port", defaultValue = "0", paramLabel = "N",
            description = "KRaft controller port (default: a free one; give one to restart on the same data).")
    int controllerPort;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Keep the broker's data here (formatted when empty); default: a temporary directory"
                    + " deleted on exit.")
    Path dataDir;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A broker setting, e.g. --set num.partitions=4.")
    Map<String, String> settings = new HashMap<>();

    @Override
    public Integer call() throws Exception {
        EmbeddedKafkaBroker.Builder b = EmbeddedKafkaBroker.builder().port(port).controllerPort(controllerPort)
                .dataDir(dataDir);
        settings.forEach(b::property);
        EmbeddedKafkaBroker broker = b.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "broker-shutdown"));
        System.out.println("broker ready: " + broker.bootstrapServers() + " (data in " + broker.dataDir() + ")");
        System.out.flush();
        stopped.await();
        return 0;
    }
}
