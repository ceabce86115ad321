package io.streamformer.schemas.serde;

import io.apicurio.registry.resolver.strategy.ArtifactReference;
import io.apicurio.registry.resolver.client.RegistryArtifactReference;
import io.apicurio.registry.resolver.client.RegistryClientFacade;
import io.apicurio.registry.resolver.client.RegistryVersionCoordinates;
import com.microsoft.kiota.ApiExceptionBuilder;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A schema registry in memory, behind Apicurio's client interface: it stands in for the HTTP calls only, so
 * that Apicurio's real serdes (schema resolution, id handling, Avro encoding) produce the real wire format.
 * Content ids are assigned 1, 2, 3, ... and global ids 1001, 1002, ... (a real registry's two counters differ as soon
 * as it holds other artifacts), so that a serde writing the wrong one is caught; a missing id answers 404 like the
 * real client.
 */
public final class InMemoryRegistry implements RegistryClientFacade {
    static final long GLOBAL_ID_OFFSET = 1000;

    public record Version(long contentId, long globalId, String groupId, String artifactId, String schema) {
    }

    final Map<Long, Version> byContentId = new ConcurrentHashMap<>();
    final Map<Long, Version> byGlobalId = new ConcurrentHashMap<>();

    private static Version find(Map<Long, Version> ids, long id, String kind) {
        Version v = ids.get(id);
        if (v == null) {
            throw new ApiExceptionBuilder().withMessage("No " + kind + " with id " + id).withResponseStatusCode(404)
                    .build();
        }
        return v;
    }

    private Version findByArtifact(String groupId, String artifactId) {
        return byContentId.values().stream().filter(v -> v.artifactId().equals(artifactId)).reduce((a, b) -> b)
                .orElseGet(() -> find(byContentId, -1, "artifact"));
    }

    @Override
    public String getSchemaByContentId(Long contentId) {
        return find(byContentId, contentId, "content").schema();
    }

    @Override
    public String getSchemaByGlobalId(long globalId, boolean dereferenced) {
        return find(byGlobalId, globalId, "version").schema();
    }

    @Override
    public String getSchemaByGAV(String groupId, String artifactId, String version) {
        return findByArtifact(groupId, artifactId).schema();
    }

    @Override
    public String getSchemaByContentHash(String contentHash) {
        throw new UnsupportedOperationException("content hashes are not used by these serdes");
    }

    @Override
    public List<RegistryArtifactReference> getReferencesByContentId(long contentId) {
        return List.of();
    }

    @Override
    public List<RegistryArtifactReference> getReferencesByGlobalId(long globalId) {
        return List.of();
    }

    @Override
    public List<RegistryArtifactReference> getReferencesByGAV(String groupId, String artifactId, String version) {
        return List.of();
    }

    @Override
    public List<RegistryArtifactReference> getReferencesByContentHash(String contentHash) {
        return List.of();
    }

    @Override
    public List<RegistryVersionCoordinates> searchVersionsByContent(String schemaString, String artifactType,
                                                                    ArtifactReference reference, boolean canonical) {
        List<RegistryVersionCoordinates> out = new ArrayList<>();
        byContentId.values().stream().filter(v -> v.schema().equals(schemaString))
                .forEach(v -> out.add(coordinates(v)));
        return out;
    }

    @Override
    public synchronized RegistryVersionCoordinates createSchema(String artifactType, String groupId, String artifactId,
                                                                String version, String autoCreateBehavior,
                                                                boolean canonical, String schemaString,
                                                                Set<RegistryArtifactReference> references) {
        for (Version v : byContentId.values()) {
            if (v.artifactId().equals(artifactId) && v.schema().equals(schemaString)) {
                return coordinates(v);
            }
        }
        long n = byContentId.size() + 1;
        Version v = new Version(n, GLOBAL_ID_OFFSET + n, groupId, artifactId, schemaString);
        byContentId.put(v.contentId(), v);
        byGlobalId.put(v.globalId(), v);
        return coordinates(v);
    }

    @Override
    public RegistryVersionCoordinates getVersionCoordinatesByGAV(String groupId, String artifactId, String version) {
        return coordinates(findByArtifact(groupId, artifactId));
    }

    @Override
    public Object getClient() {
        return this;
    }

    private static RegistryVersionCoordinates coordinates(Version v) {
        return RegistryVersionCoordinates.create(v.globalId(), v.contentId(), v.groupId(), v.artifactId(), "1");
    }
}
