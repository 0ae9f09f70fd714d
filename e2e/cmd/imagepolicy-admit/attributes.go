package main

import "k8s.io/apiserver/pkg/admission"

// recordingAttributes keeps the audit annotations the plugin adds, split by whether the API server's
// own attributes record accepted them (it checks the key format and forbids overwrites).
type recordingAttributes struct {
	admission.Attributes
	accepted map[string]string
	rejected map[string]string
}

func (r *recordingAttributes) AddAnnotation(key, value string) error {
	if err := r.Attributes.AddAnnotation(key, value); err != nil {
		r.rejected[key] = value
		return err
	}
	r.accepted[key] = value
	return nil
}
