package demo

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rekognition"
	"github.com/aws/aws-sdk-go-v2/service/rekognition/types"
	"github.com/aws/aws-xray-sdk-go/xray"
	"github.com/aws/smithy-go"
)

// labeler is the second service: given a photo in S3 it asks Rekognition
// what is in it.
type labeler struct {
	rek *rekognition.Client
	log *slog.Logger
}

type labelRequest struct {
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
}

type labelResponse struct {
	Labels []labelConfidence `json:"labels,omitempty"`
	Error  string            `json:"error,omitempty"`
}

type labelConfidence struct {
	Name       string  `json:"name"`
	Confidence float32 `json:"confidence"`
}

func (l *labeler) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /labels", l.labels)
	return mux
}

func (l *labeler) labels(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var in labelRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&in); err != nil || in.Bucket == "" || in.Key == "" {
		writeJSON(w, http.StatusBadRequest, labelResponse{Error: "want {\"bucket\": ..., \"key\": ...}"})
		return
	}
	xray.AddAnnotation(ctx, "bucket", in.Bucket)
	out, err := l.rek.DetectLabels(ctx, &rekognition.DetectLabelsInput{
		Image:         &types.Image{S3Object: &types.S3Object{Bucket: aws.String(in.Bucket), Name: aws.String(in.Key)}},
		MaxLabels:     aws.Int32(8),
		MinConfidence: aws.Float32(75),
	})
	if err != nil {
		status := http.StatusBadGateway
		var api smithy.APIError
		if errors.As(err, &api) {
			switch api.ErrorCode() {
			case "ThrottlingException", "ProvisionedThroughputExceededException", "LimitExceededException":
				// Rekognition is busy: tell the caller to come back later
				// rather than fail; this is an error (429), not a fault.
				status = http.StatusTooManyRequests
			case "InvalidS3ObjectException", "InvalidImageFormatException", "ImageTooLargeException":
				status = http.StatusUnprocessableEntity
			}
		}
		if status == http.StatusBadGateway {
			xray.AddError(ctx, fmt.Errorf("cannot detect labels of s3://%s/%s: %w", in.Bucket, in.Key, err))
		}
		l.log.Debug("detect labels failed", "key", in.Key, "status", status, "err", err)
		writeJSON(w, status, labelResponse{Error: err.Error()})
		return
	}
	var resp labelResponse
	names := make([]string, 0, len(out.Labels))
	for _, lb := range out.Labels {
		resp.Labels = append(resp.Labels, labelConfidence{Name: aws.ToString(lb.Name), Confidence: aws.ToFloat32(lb.Confidence)})
		names = append(names, aws.ToString(lb.Name))
	}
	xray.AddAnnotation(ctx, "label_count", len(names))
	if len(names) > 0 {
		xray.AddAnnotation(ctx, "top_label", names[0])
	}
	xray.AddMetadataToNamespace(ctx, "labeler", "labels", strings.Join(names, ", "))
	writeJSON(w, http.StatusOK, resp)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
