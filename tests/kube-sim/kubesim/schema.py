"""schema.py - the field schema of the kinds kube-sim serves (the Go structs
of k8s.io/api, v1.33), used like the apiserver's decoder: values of the
wrong JSON type are a decode error (400), unknown fields are dropped and
reported for fieldValidation (Strict: error, Warn: Warning header,
Ignore: silent), duplicate JSON keys likewise.  Subtrees typed "any" are
stored as sent and not checked (rarely used structs: affinity, lifecycle,
most volume sources, ...)."""
import json

# Struct -> "field[:type] ..."; type defaults to string.  Types: string,
# int32, int64, bool, Time, Quantity, IntOrString, map (string->string),
# quantities (string->Quantity), any, []T, or another struct.
STRUCTS = {
    "ObjectMeta": "name generateName namespace selfLink uid resourceVersion "
    "generation:int64 creationTimestamp:Time deletionTimestamp:Time "
    "deletionGracePeriodSeconds:int64 labels:map annotations:map "
    "ownerReferences:[]OwnerReference finalizers:[]string managedFields:any",
    "OwnerReference": "apiVersion kind name uid controller:bool "
    "blockOwnerDeletion:bool",
    "LabelSelector": "matchLabels:map "
    "matchExpressions:[]LabelSelectorRequirement",
    "LabelSelectorRequirement": "key operator values:[]string",
    "Deployment": "apiVersion kind metadata:ObjectMeta spec:DeploymentSpec "
    "status:any",
    "DeploymentSpec": "replicas:int32 selector:LabelSelector "
    "template:PodTemplateSpec strategy:DeploymentStrategy "
    "minReadySeconds:int32 revisionHistoryLimit:int32 paused:bool "
    "progressDeadlineSeconds:int32",
    "DeploymentStrategy": "type rollingUpdate:RollingUpdateDeployment",
    "RollingUpdateDeployment": "maxUnavailable:IntOrString "
    "maxSurge:IntOrString",
    "PodTemplateSpec": "metadata:ObjectMeta spec:PodSpec",
    "PodSpec": "volumes:[]Volume initContainers:[]Container "
    "containers:[]Container ephemeralContainers:any restartPolicy "
    "terminationGracePeriodSeconds:int64 activeDeadlineSeconds:int64 "
    "dnsPolicy nodeSelector:map serviceAccountName serviceAccount "
    "automountServiceAccountToken:bool nodeName hostNetwork:bool "
    "hostPID:bool hostIPC:bool shareProcessNamespace:bool "
    "securityContext:PodSecurityContext "
    "imagePullSecrets:[]LocalObjectReference hostname subdomain "
    "affinity:any schedulerName tolerations:[]Toleration "
    "hostAliases:[]HostAlias priorityClassName priority:int32 dnsConfig:any "
    "readinessGates:any runtimeClassName enableServiceLinks:bool "
    "preemptionPolicy overhead:quantities topologySpreadConstraints:any "
    "setHostnameAsFQDN:bool os:any hostUsers:bool schedulingGates:any "
    "resourceClaims:any resources:ResourceRequirements",
    "PodSecurityContext": "seLinuxOptions:any windowsOptions:any "
    "runAsUser:int64 runAsGroup:int64 runAsNonRoot:bool "
    "supplementalGroups:[]int64 supplementalGroupsPolicy fsGroup:int64 "
    "sysctls:any fsGroupChangePolicy seccompProfile:SeccompProfile "
    "appArmorProfile:SeccompProfile seLinuxChangePolicy",
    "SeccompProfile": "type localhostProfile",
    "LocalObjectReference": "name",
    "HostAlias": "ip hostnames:[]string",
    "Toleration": "key operator value effect tolerationSeconds:int64",
    "Container": "name image command:[]string args:[]string workingDir "
    "ports:[]ContainerPort envFrom:[]EnvFromSource env:[]EnvVar "
    "resources:ResourceRequirements resizePolicy:any restartPolicy "
    "volumeMounts:[]VolumeMount volumeDevices:any livenessProbe:Probe "
    "readinessProbe:Probe startupProbe:Probe lifecycle:any "
    "terminationMessagePath terminationMessagePolicy imagePullPolicy "
    "securityContext:SecurityContext stdin:bool stdinOnce:bool tty:bool",
    "SecurityContext": "capabilities:Capabilities privileged:bool "
    "seLinuxOptions:any windowsOptions:any runAsUser:int64 runAsGroup:int64 "
    "runAsNonRoot:bool readOnlyRootFilesystem:bool "
    "allowPrivilegeEscalation:bool procMount seccompProfile:SeccompProfile "
    "appArmorProfile:SeccompProfile",
    "Capabilities": "add:[]string drop:[]string",
    "ContainerPort": "name hostPort:int32 containerPort:int32 protocol hostIP",
    "EnvVar": "name value valueFrom:EnvVarSource",
    "EnvVarSource": "fieldRef:ObjectFieldSelector resourceFieldRef:any "
    "configMapKeyRef:KeySelector secretKeyRef:KeySelector",
    "ObjectFieldSelector": "apiVersion fieldPath",
    "KeySelector": "name key optional:bool",
    "EnvFromSource": "prefix configMapRef:OptionalRef secretRef:OptionalRef",
    "OptionalRef": "name optional:bool",
    "ResourceRequirements": "limits:quantities requests:quantities "
    "claims:any",
    "VolumeMount": "name readOnly:bool recursiveReadOnly mountPath subPath "
    "mountPropagation subPathExpr",
    "Probe": "exec:ExecAction httpGet:HTTPGetAction "
    "tcpSocket:TCPSocketAction grpc:GRPCAction initialDelaySeconds:int32 "
    "timeoutSeconds:int32 periodSeconds:int32 successThreshold:int32 "
    "failureThreshold:int32 terminationGracePeriodSeconds:int64",
    "ExecAction": "command:[]string",
    "HTTPGetAction": "path port:IntOrString host scheme "
    "httpHeaders:[]HTTPHeader",
    "HTTPHeader": "name value",
    "TCPSocketAction": "port:IntOrString host",
    "GRPCAction": "port:int32 service",
    "Volume": "name persistentVolumeClaim:PersistentVolumeClaimVolumeSource "
    "emptyDir:EmptyDirVolumeSource configMap:ConfigMapVolumeSource "
    "secret:SecretVolumeSource hostPath:HostPathVolumeSource projected:any "
    "downwardAPI:any ephemeral:any nfs:any csi:any image:any "
    "awsElasticBlockStore:any gcePersistentDisk:any gitRepo:any iscsi:any "
    "glusterfs:any rbd:any flexVolume:any cinder:any cephfs:any flocker:any "
    "fc:any azureFile:any vsphereVolume:any quobyte:any azureDisk:any "
    "photonPersistentDisk:any portworxVolume:any scaleIO:any storageos:any",
    "PersistentVolumeClaimVolumeSource": "claimName readOnly:bool",
    "EmptyDirVolumeSource": "medium sizeLimit:Quantity",
    "ConfigMapVolumeSource": "name items:[]KeyToPath defaultMode:int32 "
    "optional:bool",
    "SecretVolumeSource": "secretName items:[]KeyToPath defaultMode:int32 "
    "optional:bool",
    "KeyToPath": "key path mode:int32",
    "HostPathVolumeSource": "path type",
    "Service": "apiVersion kind metadata:ObjectMeta spec:ServiceSpec "
    "status:any",
    "ServiceSpec": "ports:[]ServicePort selector:map clusterIP "
    "clusterIPs:[]string type externalIPs:[]string sessionAffinity "
    "loadBalancerIP loadBalancerSourceRanges:[]string externalName "
    "externalTrafficPolicy healthCheckNodePort:int32 "
    "publishNotReadyAddresses:bool sessionAffinityConfig:any "
    "ipFamilies:[]string ipFamilyPolicy allocateLoadBalancerNodePorts:bool "
    "loadBalancerClass internalTrafficPolicy trafficDistribution",
    "ServicePort": "name protocol appProtocol port:int32 "
    "targetPort:IntOrString nodePort:int32",
    "PersistentVolumeClaim": "apiVersion kind metadata:ObjectMeta "
    "spec:PersistentVolumeClaimSpec status:any",
    "PersistentVolumeClaimSpec": "accessModes:[]string "
    "selector:LabelSelector resources:VolumeResourceRequirements volumeName "
    "storageClassName volumeMode dataSource:any dataSourceRef:any "
    "volumeAttributesClassName",
    "VolumeResourceRequirements": "limits:quantities requests:quantities",
    "Pod": "apiVersion kind metadata:ObjectMeta spec:PodSpec status:any",
    "Scale": "apiVersion kind metadata:ObjectMeta spec:ScaleSpec status:any",
    "ScaleSpec": "replicas:int32",
    "DeleteOptions": "apiVersion kind gracePeriodSeconds:int64 "
    "preconditions:Preconditions orphanDependents:bool propagationPolicy "
    "dryRun:[]string",
    "Preconditions": "uid resourceVersion",
}

FIELDS = {name: dict((f.split(":") + ["string"])[:2] for f in spec.split())
          for name, spec in STRUCTS.items()}

GO_TYPES = {"string": "string", "int32": "int32", "int64": "int64",
            "bool": "bool", "Time": "v1.Time", "Quantity": "resource.Quantity",
            "IntOrString": "intstr.IntOrString", "map": "map[string]string",
            "quantities": "v1.ResourceList"}


class DecodeError(Exception):
    """A value of the wrong JSON type (always a 400)."""


def _json_type(v):
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


class Checker:
    def __init__(self):
        self.unknown = []

    def fail(self, v, struct, gopath, typ):
        gotype = GO_TYPES.get(typ, typ if not typ.startswith("[]") else typ)
        if typ in FIELDS:
            gotype = "v1." + typ
        raise DecodeError(f"json: cannot unmarshal {_json_type(v)} into Go "
                          f"struct field {struct}.{gopath} of type {gotype}")

    def value(self, v, typ, path, gopath, struct):
        """-> the value to keep (None: drop the field)."""
        if v is None or typ == "any":
            return v
        if typ.startswith("[]"):
            if not isinstance(v, list):
                self.fail(v, struct, gopath, typ)
            return [self.value(x, typ[2:], f"{path}[{i}]", gopath, struct)
                    for i, x in enumerate(v)]
        if typ in FIELDS:
            if not isinstance(v, dict):
                self.fail(v, struct, gopath, typ)
            return self.struct(v, typ, path, gopath)
        ok = {"string": lambda x: isinstance(x, str),
              "Time": lambda x: isinstance(x, str),
              "int32": lambda x: isinstance(x, int) and not isinstance(x, bool),
              "bool": lambda x: isinstance(x, bool),
              "Quantity": lambda x: isinstance(x, (str, int, float))
              and not isinstance(x, bool),
              "IntOrString": lambda x: isinstance(x, (str, int))
              and not isinstance(x, bool)}
        ok["int64"] = ok["int32"]
        if typ in ("map", "quantities"):
            if not isinstance(v, dict):
                self.fail(v, struct, gopath, typ)
            inner = "string" if typ == "map" else "Quantity"
            for k, x in v.items():
                if x is not None and not ok[inner](x):
                    self.fail(x, struct, gopath, inner)
            return v
        if not ok[typ](v):
            self.fail(v, struct, gopath, typ)
        return v

    def struct(self, obj, typ, path, gopath):
        fields = FIELDS[typ]
        out = {}
        for k, v in obj.items():
            p = f"{path}.{k}" if path else k
            if k not in fields:
                self.unknown.append(p)
                continue
            kept = self.value(v, fields[k], p,
                              f"{gopath}.{k}" if gopath else k, typ)
            if kept is not None or k == "creationTimestamp":
                out[k] = kept
        return out


def check(kind, obj):
    """-> (object without unknown fields, [unknown field paths]); raises
    DecodeError for type mismatches."""
    c = Checker()
    out = c.struct(obj, kind, "", "")
    return out, c.unknown


def duplicate_keys(raw):
    """The duplicate keys of a JSON document (json.loads keeps the last)."""
    dups = []

    def hook(pairs):
        seen = set()
        for k, _ in pairs:
            if k in seen:
                dups.append(k)
            seen.add(k)
        return dict(pairs)
    try:
        json.loads(raw, object_pairs_hook=hook)
    except ValueError:
        return []
    return dups
