// Command imagepolicy-admit runs pod admissions through Kubernetes' own ImagePolicyWebhook admission
// plugin, configured exactly as kube-apiserver configures it, so that the end-to-end suite checks
// ImageGate against the real client rather than against our reading of it.
//
// Usage: imagepolicy-admit -config admission-config.yaml < admissions.json
//
// Input: a JSON array of admissions. Output: one JSON object per admission, in order.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/authentication/user"
	api "k8s.io/kubernetes/pkg/apis/core"
	"k8s.io/kubernetes/plugin/pkg/admission/imagepolicy"
)

// Admission is one pod create or update as the API server would hand it to the plugin.
type Admission struct {
	Name                string            `json:"name"`
	Namespace           string            `json:"namespace"`
	Operation           string            `json:"operation"`
	Subresource         string            `json:"subresource"`
	Annotations         map[string]string `json:"annotations"`
	Containers          []string          `json:"containers"`
	InitContainers      []string          `json:"initContainers"`
	EphemeralContainers []string          `json:"ephemeralContainers"`
}

// Outcome is what the plugin decided, as the user and the audit log would see it.
type Outcome struct {
	Name                string            `json:"name"`
	Allowed             bool              `json:"allowed"`
	Error               string            `json:"error,omitempty"`
	Forbidden           bool              `json:"forbidden"`
	AuditAnnotations    map[string]string `json:"auditAnnotations"`
	RejectedAnnotations map[string]string `json:"rejectedAnnotations"`
	PodAnnotationsAfter map[string]string `json:"podAnnotationsAfter"`
}

func main() {
	config := flag.String("config", "", "admission configuration file (the imagePolicy section kube-apiserver reads)")
	flag.Parse()
	if err := run(*config); err != nil {
		fmt.Fprintln(os.Stderr, "imagepolicy-admit:", err)
		os.Exit(1)
	}
}

func run(configPath string) error {
	configFile, err := os.Open(configPath)
	if err != nil {
		return err
	}
	defer configFile.Close()
	plugin, err := imagepolicy.NewImagePolicyWebhook(configFile)
	if err != nil {
		return fmt.Errorf("plugin rejected its configuration: %w", err)
	}

	var admissions []Admission
	if err := json.NewDecoder(os.Stdin).Decode(&admissions); err != nil {
		return fmt.Errorf("reading admissions: %w", err)
	}
	out := json.NewEncoder(os.Stdout)
	for _, a := range admissions {
		if err := out.Encode(admit(plugin, a)); err != nil {
			return err
		}
	}
	return nil
}

func admit(plugin *imagepolicy.Plugin, a Admission) Outcome {
	pod := podOf(a)
	attributes := &recordingAttributes{
		Attributes: admission.NewAttributesRecord(pod, nil, api.Kind("Pod").WithVersion("version"),
			a.Namespace, a.Name, api.Resource("pods").WithVersion("version"), a.Subresource,
			admission.Operation(a.Operation), &metav1.CreateOptions{}, false, &user.DefaultInfo{Name: "e2e"}),
		accepted: map[string]string{},
		rejected: map[string]string{},
	}
	outcome := Outcome{Name: a.Name, Allowed: true}
	if plugin.Handles(attributes.GetOperation()) {
		if err := plugin.Validate(context.Background(), attributes, nil); err != nil {
			outcome.Allowed = false
			outcome.Error = err.Error()
			outcome.Forbidden = apierrors.IsForbidden(err)
		}
	}
	outcome.AuditAnnotations = attributes.accepted
	outcome.RejectedAnnotations = attributes.rejected
	outcome.PodAnnotationsAfter = pod.Annotations
	return outcome
}

func podOf(a Admission) *api.Pod {
	pod := &api.Pod{ObjectMeta: metav1.ObjectMeta{Name: a.Name, Namespace: a.Namespace, Annotations: a.Annotations}}
	for i, image := range a.Containers {
		pod.Spec.Containers = append(pod.Spec.Containers, api.Container{Name: fmt.Sprintf("c%d", i), Image: image})
	}
	for i, image := range a.InitContainers {
		pod.Spec.InitContainers = append(pod.Spec.InitContainers, api.Container{Name: fmt.Sprintf("init%d", i), Image: image})
	}
	for i, image := range a.EphemeralContainers {
		pod.Spec.EphemeralContainers = append(pod.Spec.EphemeralContainers, api.EphemeralContainer{
			EphemeralContainerCommon: api.EphemeralContainerCommon{Name: fmt.Sprintf("debug%d", i), Image: image}})
	}
	return pod
}
